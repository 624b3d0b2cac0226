import{a}from"./chunk-26A335OT.js";import"./chunk-7YUUUATE.js";export default a();
