#!/usr/bin/env node
// Parse AND bind KQL queries with Microsoft's Kusto.Language (npm
// @kusto/language-service-next, pinned in package.json) against the
// Advanced Hunting / Sentinel schema in schema.json.
//
// Why a script and not a Rust crate: Kusto.Language is Microsoft's own
// parser and binder (the one behind the Defender and Sentinel editors), so
// "no diagnostics here" is the strongest offline evidence that a query is
// valid. It is only shipped for .NET and JavaScript.
//
// Input: a JSON array on stdin (or in the file named by the first
// argument). Each element is either a query string or an object
// {"id": "...", "query": "..."}. Thousands of queries are fine: the
// library loads once.
//
// Output (stdout): one JSON array, one object per query, in input order:
//   {"id", "ok", "diagnostics": [{code, severity, message, start, length}],
//    "literals": ["value of every string literal, in source order"]}
// `literals` lets tests check that a value we rendered as a KQL string
// literal comes back exactly (injection safety).
//
// Exit status: 0 when no query has an error diagnostic, 1 when some have,
// 2 when the input cannot be read.

'use strict';

const fs = require('fs');
const path = require('path');

const lib = path.join(__dirname, 'node_modules', '@kusto', 'language-service-next');
require(path.join(lib, 'bridge.js'));
require(path.join(lib, 'Kusto.Language.Bridge.js'));

/* global Kusto */
const K = Kusto.Language;
const S = K.Symbols;

function loadGlobals() {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'schema.json'), 'utf8'));
  const tables = Object.entries(schema.tables).map(([name, columns]) => {
    const spec = '(' + Object.entries(columns).map(([c, t]) => `['${c}']:${t}`).join(', ') + ')';
    return new S.TableSymbol.$ctor7(name, spec, null);
  });
  const db = new S.DatabaseSymbol.$ctor3(schema.database, null, tables, false);
  return K.GlobalState.Default.WithDatabase(db);
}

function stringLiterals(code) {
  const values = [];
  code.Syntax.WalkElements((element) => {
    if (element instanceof K.Syntax.LiteralExpression
        && element.Kind === K.Syntax.SyntaxKind.StringLiteralExpression) {
      values.push(element.LiteralValue);
    }
  });
  return values;
}

function check(globals, query) {
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const list = code.GetDiagnostics();
  const diagnostics = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    diagnostics.push({
      code: d.Code,
      severity: d.Severity,
      message: d.Message,
      start: d.Start,
      length: d.Length,
    });
  }
  return { diagnostics, literals: stringLiterals(code) };
}

function main() {
  let input;
  try {
    const text = fs.readFileSync(process.argv[2] || 0, 'utf8');
    input = JSON.parse(text);
    if (!Array.isArray(input)) throw new Error('expected a JSON array');
  } catch (e) {
    process.stderr.write(`kql validator: cannot read input: ${e.message}\n`);
    process.exit(2);
  }
  const globals = loadGlobals();
  let failed = 0;
  const results = input.map((item, index) => {
    const id = typeof item === 'string' ? String(index) : String(item.id ?? index);
    const query = typeof item === 'string' ? item : item.query;
    const { diagnostics, literals } = check(globals, query);
    const ok = !diagnostics.some((d) => d.severity === 'Error');
    if (!ok) failed += 1;
    return { id, ok, diagnostics, literals };
  });
  // exitCode, not exit(): a piped stdout is written asynchronously, and
  // exit() would cut off large outputs.
  process.stdout.write(JSON.stringify(results) + '\n');
  if (failed > 0) {
    process.stderr.write(`kql validator: ${failed} of ${results.length} queries have errors\n`);
    process.exitCode = 1;
  }
}

main();
