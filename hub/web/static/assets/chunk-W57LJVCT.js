import{a}from"./chunk-MIVJ53VJ.js";import"./chunk-26A335OT.js";import"./chunk-7YUUUATE.js";export default a();
