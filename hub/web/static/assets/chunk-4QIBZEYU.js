import{a}from"./chunk-CMICWI3X.js";import"./chunk-26A335OT.js";import"./chunk-7YUUUATE.js";export default a();
