/** RFC 4180 CSV: quote every field that needs it, CRLF line ends. Amounts are written as decimals. */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  const escape = (value: string | number) => {
    const text = String(value);
    // A leading = + - @ would be run as a formula by spreadsheet apps.
    const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return rows.map((row) => row.map(escape).join(',')).join('\r\n') + '\r\n';
}

export function minorToDecimal(minor: number, digits: number): string {
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const absolute = Math.abs(minor);
  const whole = Math.floor(absolute / 10 ** digits);
  const fraction = String(absolute % 10 ** digits).padStart(digits, '0');
  return `${sign}${whole}.${fraction}`;
}

export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
