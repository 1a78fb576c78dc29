/**
 * The baseline of bench/big.ts: exceljs's streaming WorkbookReader reading every cell of a file
 * (shared strings resolved), in a process of its own. Usage: big-reader.ts <file>; prints the count.
 */
import ExcelJS from 'exceljs';

const [file] = process.argv.slice(2);
let cells = 0;
const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit' });
for await (const worksheet of reader) {
  for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
    row.eachCell(() => cells++);
  }
}
process.stdout.write(`${JSON.stringify({ cells })}\n`);
