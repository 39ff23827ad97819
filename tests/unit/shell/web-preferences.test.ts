import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { secureWebPreferences } from '../../../src/main/shell/security';

/** The literal `webPreferences` of every `new BrowserWindow({...})` in a source file, as written. */
function literalWebPreferences(file: string): Record<string, unknown>[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Record<string, unknown>[] = [];
  const literal = (node: ts.Expression): unknown => {
    if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (ts.isStringLiteralLike(node)) return node.text;
    return { expression: node.getText(source) };
  };
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node) && node.expression.getText(source) === 'BrowserWindow') {
      const options = node.arguments?.[0];
      const preferences =
        options && ts.isObjectLiteralExpression(options)
          ? options.properties.find(
              (property): property is ts.PropertyAssignment =>
                ts.isPropertyAssignment(property) && property.name.getText(source) === 'webPreferences',
            )
          : undefined;
      const values: Record<string, unknown> = {};
      if (preferences && ts.isObjectLiteralExpression(preferences.initializer))
        for (const property of preferences.initializer.properties)
          if (ts.isPropertyAssignment(property)) values[property.name.getText(source)] = literal(property.initializer);
      found.push(values);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Issue 10, point 9: auditors' tools (Electronegativity) read the `new BrowserWindow(...)` call, not a
 * helper; the window's security settings are written there literally, and must stay what
 * `secureWebPreferences` says (including the `auxclick` guard).
 */
describe('the window’s web preferences, as written at new BrowserWindow', () => {
  const windows = literalWebPreferences(path.resolve(__dirname, '../../../src/main/index.ts'));

  it('are literal, and exactly the secure set', () => {
    expect(windows).toHaveLength(1);
    const { preload, ...written } = windows[0] ?? {};
    const { preload: _preload, ...secure } = secureWebPreferences('/preload.cjs');
    expect(written).toEqual(secure);
    expect(preload).toEqual({ expression: "path.join(here, '../preload/index.cjs')" });
  });

  it('turn off what Electronegativity asks about', () => {
    expect(secureWebPreferences('/preload.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });
});
