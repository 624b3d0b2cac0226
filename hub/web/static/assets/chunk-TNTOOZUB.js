import{a}from"./chunk-GD2SY6KN.js";import"./chunk-26A335OT.js";import"./chunk-7YUUUATE.js";export default a();
