import{a}from"./chunk-WR7QFBOX.js";import"./chunk-26A335OT.js";import"./chunk-7YUUUATE.js";export default a();
