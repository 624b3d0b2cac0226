"""Detection runs: the rules of `hub/core/rules.csv` over every cadre in the runner's scope, each hit an alert."""
