import { scanWorkbook } from '../src/workbook/read-workbook.ts';
const t0 = process.cpuUsage();
const scan = await scanWorkbook(process.argv[2], { maxFileBytes: 1e12, maxUncompressedBytes: 1e12, maxCells: 1e12 } as never);
const t1 = process.cpuUsage(t0);
let rows = 0;
const t2 = process.cpuUsage();
for (const sheet of scan.sheets) for await (const _r of scan.rows(sheet.index)) rows++;
const t3 = process.cpuUsage(t2);
console.log(JSON.stringify({ scanCpuS: (t1.user + t1.system) / 1e6, secondPassCpuS: (t3.user + t3.system) / 1e6, rows }));
