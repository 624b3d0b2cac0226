import"./chunk-XGVV4PPZ.js";import"./chunk-26A335OT.js";import"./chunk-7YUUUATE.js";
