// The CSV text itself is built without the DOM (csv-table.ts), so tests in Node can build it too.
export { toCsv } from './csv-table';

/** Hands `text` to the browser as a download named `filename`. */
export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
