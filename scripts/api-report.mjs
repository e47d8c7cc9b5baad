// The API report: for each entry point of package.json "exports" (the core and each subpath), API Extractor reads
// the built declarations (dist/, after `npm run build`) and writes what they make public into etc/<name>.api.md.
//
//   node scripts/api-report.mjs          check: fails when the public declarations differ from the committed reports
//   node scripts/api-report.mjs --update  rewrite the reports (commit them with the change that made them)
//
// Every API Extractor message is an error (first of all ae-forgotten-export: a type a public signature uses that
// its entry point does not export), except:
// - the release tags (@public/@beta/@alpha): this package does not use them, everything exported is public;
// - TSDoc syntax, links and missing comments: the API reference (`npm run docs`, TypeDoc) checks those with
//   warnings as errors (notDocumented, invalidLink), in TypeDoc's dialect (`@default`, `{@link member}` resolved
//   in the comment's scope), which strict TSDoc does not share.
// A subpath imports the core through `../index.js`, so API Extractor sees the core's types as unexported there:
// a forgotten export is accepted in a subpath's report only when the core's entry point exports that name (its
// declaration is then in etc/redis-streamer.api.md); any other is an error.
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The entry points: `.` → redis-streamer, `./testing` → redis-streamer-testing, from package.json "exports". */
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([subpath, target]) => ({
    name: subpath === '.' ? pkg.name : `${pkg.name}-${subpath.slice(2)}`,
    types: join(root, target.types),
  }));

/** The names the core's entry point (dist/index.d.ts) exports. */
function coreExports() {
  const file = join(root, pkg.exports['.'].types);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`api-report: ${file} is missing: run npm run build first`);
  const module = checker.getSymbolAtLocation(source);
  return new Set(checker.getExportsOfModule(module).map((s) => s.name));
}

/** In a subpath, a forgotten export that the core exports is not an error (see above). */
function acceptCoreTypes(core) {
  return (message) => {
    if (message.messageId !== 'ae-forgotten-export') return;
    const name = /The symbol "([^"]+)"/.exec(message.text)?.[1]?.replace(/_\d+$/, '');
    if (name !== undefined && core.has(name)) {
      message.logLevel = ExtractorLogLevel.None;
      message.handled = true;
    }
  };
}

function configFor(entry) {
  return {
    projectFolder: root,
    mainEntryPointFilePath: entry.types,
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023', 'ES2024.String', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          types: ['node'],
          skipLibCheck: true,
        },
        files: [entry.types],
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: `${entry.name}.api.md`,
      reportFolder: '<projectFolder>/etc/',
      reportTempFolder: '<projectFolder>/.tmp/api-report/',
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      compilerMessageReporting: { default: { logLevel: 'error' } },
      extractorMessageReporting: {
        default: { logLevel: 'error' },
        'ae-forgotten-export': { logLevel: 'error', addToApiReportFile: false },
        'ae-missing-release-tag': { logLevel: 'none' },
        'ae-undocumented': { logLevel: 'none' },
        'ae-unresolved-link': { logLevel: 'none' },
      },
      tsdocMessageReporting: { default: { logLevel: 'none' } },
    },
  };
}

const core = coreExports();
mkdirSync(join(root, 'etc'), { recursive: true });
let failed = false;
for (const entry of entries) {
  const config = ExtractorConfig.prepare({
    configObject: configFor(entry),
    configObjectFullPath: join(root, 'api-extractor.json'),
    packageJsonFullPath: join(root, 'package.json'),
  });
  const subpath = entry.name !== pkg.name;
  const result = Extractor.invoke(config, {
    localBuild: update,
    printApiReportDiff: true,
    ...(subpath ? { messageCallback: acceptCoreTypes(core) } : {}),
  });
  const status = result.succeeded ? 'ok' : 'FAILED';
  console.log(
    `api-report: ${entry.name}: ${status} (${result.errorCount} errors, ${result.warningCount} warnings` +
      `${result.apiReportChanged ? ', report changed' : ''})`,
  );
  if (!result.succeeded) failed = true;
  if (!update && result.apiReportChanged) failed = true;
}
if (failed) {
  console.error(
    update
      ? 'api-report: fix the errors above'
      : 'api-report: the public API differs from etc/*.api.md: review the change, then run `npm run api:update` and commit etc/',
  );
  process.exit(1);
}
