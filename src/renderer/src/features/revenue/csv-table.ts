/**
 * RFC 4180 CSV: quote every field that needs it, CRLF line ends. Amounts are written as exact decimals
 * (minorToDecimalString from ../../../../shared/currency), never as floats.
 */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  const escape = (value: string | number) => {
    const text = String(value);
    // A leading = + - @ would be run as a formula by spreadsheet apps; a plain negative decimal is a number.
    const formula = typeof value === 'string' && /^[=+\-@]/.test(text) && !/^-\d+(\.\d+)?$/.test(text);
    const safe = formula ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return rows.map((row) => row.map(escape).join(',')).join('\r\n') + '\r\n';
}
