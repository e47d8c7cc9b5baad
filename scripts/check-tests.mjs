// Fails, listing each one, when a test under test/ checks nothing: an `it(...)` or `test(...)`
// (from node:test) whose function contains no call of `assert` (node:assert), directly or through a
// function it calls that is declared in a test module (the same file or one it imports, such as
// test/support/), followed transitively. An assertion whose arguments are all literals
// (`assert.ok(true)`) does not count; `assert.fail('...')` does. A test that must assert nothing
// says why with a comment `// no-assert: <reason>` in its body or on the lines just above it. A
// test that never runs (`it.skip`, `it.todo`, or an empty placeholder with a `skip`/`todo` option)
// is not checked.
//
// Run from the repository root by `npm run lint`: `node scripts/check-tests.mjs [files...]`; without
// files it checks every .ts file under test/ except test/fixtures/. Exit 0 when every test asserts,
// 1 when one does not (each listed as file:line), 2 on bad usage.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();
const TEST_DIR = resolve(ROOT, 'test');
const TEST_FUNCTIONS = new Set(['it', 'test']);
const MODIFIERS = new Set(['only', 'skip', 'todo']);
const EXEMPTION = /\/\/[ \t]*no-assert:[ \t]*\S/;

/** Every .ts file under `dir`, skipping test/fixtures/ unless `withFixtures`. */
function testSources(dir, withFixtures = false) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (withFixtures || path !== join(TEST_DIR, 'fixtures')) out.push(...testSources(path, withFixtures));
    } else if (/\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

function compilerOptions() {
  const configPath = ts.findConfigFile(ROOT, ts.sys.fileExists, 'tsconfig.json');
  if (configPath === undefined) return { allowJs: true, module: ts.ModuleKind.NodeNext };
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options;
}

/** Local names bound by `import ... from '<module>'` where the module matches `test`. */
function importedNames(file, test) {
  const names = new Map(); // local name -> imported name ('default' for a default import)
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!test(statement.moduleSpecifier.text)) continue;
    const clause = statement.importClause;
    if (clause === undefined) continue;
    if (clause.name !== undefined) names.set(clause.name.text, 'default');
    const bindings = clause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, '*');
    if (bindings !== undefined && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        names.set(element.name.text, (element.propertyName ?? element.name).text);
      }
    }
  }
  return names;
}

const isAssertModule = (m) =>
  m === 'assert' || m === 'assert/strict' || m === 'node:assert' || m === 'node:assert/strict';

/** The leftmost identifier of `a.b.c` (or of `a`). */
function rootIdentifier(expression) {
  let e = expression;
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isNonNullExpression(e)) {
    e = e.expression;
  }
  return ts.isIdentifier(e) ? e : undefined;
}

const isLiteral = (node) =>
  node.kind === ts.SyntaxKind.TrueKeyword ||
  node.kind === ts.SyntaxKind.FalseKeyword ||
  node.kind === ts.SyntaxKind.NullKeyword ||
  ts.isStringLiteral(node) ||
  ts.isNumericLiteral(node) ||
  ts.isNoSubstitutionTemplateLiteral(node);

/** The body of a function-like declaration (or of the function a variable or property holds). */
function functionOf(declaration) {
  if (
    ts.isFunctionDeclaration(declaration) ||
    ts.isMethodDeclaration(declaration) ||
    ts.isGetAccessorDeclaration(declaration) ||
    ts.isArrowFunction(declaration) ||
    ts.isFunctionExpression(declaration)
  ) {
    return declaration.body;
  }
  if ((ts.isVariableDeclaration(declaration) || ts.isPropertyAssignment(declaration)) && declaration.initializer) {
    const init = declaration.initializer;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init.body;
  }
  return undefined;
}

function createChecker(files) {
  // Only the test modules matter (a helper in src/ or a dependency is not a test helper): they are
  // all given, and nothing else is loaded (no lib, no @types, no import followed out of them), which
  // keeps this a parse of test/ rather than a type-check of the project.
  const program = ts.createProgram([...new Set([...files, ...testSources(TEST_DIR, true)])], {
    ...compilerOptions(),
    noEmit: true,
    noResolve: true,
    noLib: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const assertNames = new Map(); // source file -> local names of node:assert
  const memo = new Map(); // function body -> whether it asserts (false while being visited)

  const assertNamesOf = (file) => {
    if (!assertNames.has(file)) assertNames.set(file, new Set(importedNames(file, isAssertModule).keys()));
    return assertNames.get(file);
  };

  /** Whether a declaration lives in a test module (not in src/, not in a dependency). */
  const inTests = (declaration) => {
    const path = resolve(declaration.getSourceFile().fileName);
    return path.startsWith(TEST_DIR + sep) && !path.includes(`${sep}node_modules${sep}`);
  };

  /** The test-module functions an expression (a callee or a function passed along) refers to. */
  const targets = (expression) => {
    const node = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
    let symbol = checker.getSymbolAtLocation(node);
    if (symbol === undefined) return [];
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return (symbol.declarations ?? [])
      .filter(inTests)
      .map(functionOf)
      .filter((b) => b !== undefined);
  };

  const isAssertCall = (call) => {
    const root = rootIdentifier(call.expression);
    if (root === undefined || !assertNamesOf(call.getSourceFile()).has(root.text)) return false;
    // assert.fail('...') fails wherever it is reached; assert.ok(true) or assert.equal(1, 1) holds always.
    const fails = ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'fail';
    return fails || !(call.arguments.length > 0 && call.arguments.every(isLiteral));
  };

  /** Whether `node` contains an assert call, itself or through the test-module functions it uses. */
  const asserts = (node) => {
    if (memo.has(node)) return memo.get(node);
    memo.set(node, false);
    let found = false;
    const visit = (n) => {
      if (found) return;
      if (ts.isCallExpression(n)) {
        if (isAssertCall(n)) {
          found = true;
          return;
        }
        for (const body of targets(n.expression)) if (asserts(body)) found = true;
        // A test-module function passed as an argument (`cases.forEach(check)`) is called too.
        for (const arg of n.arguments) {
          if (ts.isIdentifier(arg) || ts.isPropertyAccessExpression(arg)) {
            for (const body of targets(arg)) if (asserts(body)) found = true;
          }
        }
      }
      if (!found) ts.forEachChild(n, visit);
    };
    visit(node);
    memo.set(node, found);
    return found;
  };

  return { program, asserts };
}

/** The `it(...)`/`test(...)` calls of a file, each with its name, line and function. */
function testCalls(file) {
  const testNames = importedNames(file, (m) => m === 'node:test' || m === 'test');
  const isTestFunction = (e) => ts.isIdentifier(e) && TEST_FUNCTIONS.has(testNames.get(e.text));
  const calls = [];
  const visit = (node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const direct = isTestFunction(callee);
      const modified =
        ts.isPropertyAccessExpression(callee) && isTestFunction(callee.expression) && MODIFIERS.has(callee.name.text);
      if (direct || modified) {
        const fn = [...node.arguments].reverse().find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a));
        const [first] = node.arguments;
        const name = first !== undefined ? first.getText(file) : '(unnamed)';
        const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
        const skipped = modified && callee.name.text !== 'only';
        if (fn !== undefined) calls.push({ node, fn, name, line: line + 1, skipped });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return calls;
}

/**
 * Whether the test never runs: `it.skip`/`it.todo`, or a placeholder with an empty function and a
 * `skip` or `todo` option (`it('runs the suite', { skip: reason }, () => {})`). A skip option on a
 * test with a body may be false where the test runs, so that body must assert.
 */
function placeholder(call) {
  if (call.skipped) return true;
  const empty = ts.isBlock(call.fn.body) && call.fn.body.statements.length === 0;
  const options = call.node.arguments.find((a) => ts.isObjectLiteralExpression(a));
  const skips = options?.properties.some((p) => p.name !== undefined && ['skip', 'todo'].includes(p.name.getText()));
  return empty && skips === true;
}

/** Whether the test carries `// no-assert: <reason>` in its text or in the comments just above it. */
function exempted(file, call) {
  let statement = call.node;
  while (statement.parent !== undefined && !ts.isExpressionStatement(statement) && !ts.isSourceFile(statement.parent)) {
    statement = statement.parent;
  }
  const text = file.text.slice(statement.getFullStart(), call.node.getEnd());
  return EXEMPTION.test(text);
}

function main(args) {
  if (args.some((a) => a.startsWith('-'))) {
    process.stderr.write('usage: node scripts/check-tests.mjs [test files...]\n');
    return 2;
  }
  const files = (args.length > 0 ? args : testSources(TEST_DIR)).map((f) => resolve(ROOT, f));
  const { program, asserts } = createChecker(files);
  const failures = [];
  let tests = 0;
  for (const path of files) {
    const file = program.getSourceFile(path);
    if (file === undefined) {
      process.stderr.write(`check-tests: cannot read ${path}\n`);
      return 2;
    }
    for (const call of testCalls(file)) {
      tests++;
      if (!placeholder(call) && !asserts(call.fn.body) && !exempted(file, call)) {
        failures.push(`${relative(ROOT, path)}:${call.line}: ${call.name}`);
      }
    }
  }
  if (failures.length > 0) {
    process.stderr.write(
      `check-tests: ${failures.length} of ${tests} tests call no assert (directly or through a test helper); ` +
        'assert the behaviour the name promises, or say why not with a `// no-assert: <reason>` comment:\n' +
        failures.map((f) => `  ${f}\n`).join(''),
    );
    return 1;
  }
  process.stdout.write(`check-tests: ${tests} tests in ${files.length} files, each calls assert\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
