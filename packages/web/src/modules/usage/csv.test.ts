import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';

describe('toCsv', () => {
  it('quotes what needs quoting, leaves numbers and empties plain, and keeps spreadsheets from running formulas', () => {
    const rows = [
      { key: 'a', label: 'Plain', cost: 1.5, saved: null },
      { key: 'b', label: 'Comma, "quoted"\nand a break', cost: 0, saved: 0.25 },
      { key: 'c', label: '=HYPERLINK("http://evil")', cost: -2, saved: undefined },
    ];
    expect(toCsv(rows, ['key', 'label', 'cost', 'saved'])).toBe(
      'key,label,cost,saved\r\n'
      + 'a,Plain,1.5,\r\n'
      + 'b,"Comma, ""quoted""\nand a break",0,0.25\r\n'
      + 'c,"\'=HYPERLINK(""http://evil"")",-2,\r\n',
    );
  });
});

describe('the formula guard', () => {
  it('also neutralises a leading tab or carriage return, and a leading + or @', () => {
    const rows = [{ v: '\tcmd' }, { v: '\r=1' }, { v: '+1' }, { v: '@SUM(A1)' }, { v: -3 }];
    expect(toCsv(rows, ['v'])).toBe("v\r\n'\tcmd\r\n\"'\r=1\"\r\n'+1\r\n'@SUM(A1)\r\n-3\r\n");
  });
});
