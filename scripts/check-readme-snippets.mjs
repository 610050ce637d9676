#!/usr/bin/env node
// Checks that the READMEs run as pasted (issue 36). The rule, as the root README states it:
//
// - Every ```ts / ```tsx / ```js block of the root README, every package README and every
//   example README is type-checked, strictly, against the built packages, as its own module
//   (top-level await allowed; Nest's decorators on). The app's own objects a snippet calls
//   (`db`, `log`, ...) and `webhooks` are declared in scripts/readme-snippets/app-globals.d.ts.
// - A block whose info string says `fragment` (```ts fragment) is an excerpt that cannot stand
//   alone (a signature list, a line out of a file shown whole elsewhere): it is parsed, so it
//   must still be valid syntax, but not type-checked. Use it sparingly.
// - Install lines (`npm install`, `npm i`, `pnpm add`, `yarn add`, `bun add`, in a ```sh block
//   or in inline code) must name every package the README's snippets import, unless that
//   package is a peer dependency of one they install (npm installs peers itself, and the app
//   has its framework); on the Fastify platform the Nest module also needs
//   @passfort-webhooks/fastify (an optional peer).
//
// Run: node scripts/check-readme-snippets.mjs (after `pnpm build`); part of `pnpm test`
// through scripts/readme-snippets.test.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ts = require(join(root, 'node_modules/typescript'));

const CODE = new Set(['ts', 'tsx', 'js', 'typescript', 'javascript', 'mjs']);
const INSTALL = /\b(?:npm (?:install|i)|pnpm add|yarn add|bun add)\b([^`\n]*)/g;
/** Packages an install line needs together, beyond peers: [if all of these, then this]. */
const NEEDS_TOGETHER = [
  [['@passfort-webhooks/nestjs', '@nestjs/platform-fastify'], '@passfort-webhooks/fastify'],
];

export function readmes() {
  const list = ['README.md'];
  for (const group of ['packages', 'examples']) {
    for (const dir of readdirSync(join(root, group))) {
      if (existsSync(join(root, group, dir, 'README.md'))) list.push(`${group}/${dir}/README.md`);
    }
  }
  return list;
}

/** The fenced blocks of a markdown file: language, info words, first line number, code. */
export function fencedBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const end = lines.findIndex((line, j) => j > i && /^\s*```\s*$/.test(line));
    if (end === -1) throw new Error(`unclosed fence at line ${i + 1}`);
    blocks.push({
      lang: open[2].toLowerCase(),
      info: open[3].split(/\s+/).filter(Boolean),
      line: i + 1,
      code: lines
        .slice(i + 1, end)
        .map((line) => line.slice(open[1].length))
        .join('\n'),
    });
    i = end;
  }
  return blocks;
}

/** The npm package of an import specifier, or undefined for a relative or builtin one. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('/')) {
    return undefined;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function importsOf(code, fileName) {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { found, syntaxErrors: source.parseDiagnostics ?? [] };
}

const manifests = new Map();
function manifestOf(name) {
  if (!manifests.has(name)) {
    const dir = ['packages', 'examples']
      .flatMap((group) => readdirSync(join(root, group)).map((d) => join(root, group, d)))
      .find((d) => {
        const file = join(d, 'package.json');
        return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === name;
      });
    manifests.set(
      name,
      dir === undefined
        ? undefined
        : { dir, ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) },
    );
  }
  return manifests.get(name);
}

/** A directory whose node_modules (or own name) resolves every package of the snippet. */
function resolvingDir(packages) {
  // Examples first: they are apps, with the frameworks' type packages beside the frameworks.
  const candidates = [
    ...['examples', 'packages'].flatMap((group) =>
      readdirSync(join(root, group)).map((d) => join(root, group, d)),
    ),
    root,
  ];
  return candidates.find((dir) => {
    const own = existsSync(join(dir, 'package.json'))
      ? JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name
      : undefined;
    // A package resolves its own name through its exports, as TypeScript allows.
    return packages.every((name) => name === own || existsSync(join(dir, 'node_modules', name)));
  });
}

/** Checks every README; returns a list of problems, each naming file and line. */
export function checkReadmes() {
  const problems = [];
  const byDir = new Map();
  // Beside the resolving directory's node_modules, so that packages resolve as in an app.
  const workOf = (dir) => join(dir, 'node_modules/.cache/readme-snippets');
  for (const readme of readmes()) {
    const markdown = readFileSync(join(root, readme), 'utf8');
    const blocks = fencedBlocks(markdown);
    const installed = new Set();
    for (const match of markdown.matchAll(INSTALL)) {
      for (const word of match[1].trim().split(/\s+/)) {
        if (word === '' || word.startsWith('-') || word === '&&') continue;
        const name = word.replace(/(?<=.)@[^/]*$/, '');
        if (/^(@[\w.-]+\/)?[\w.-]+$/.test(name)) installed.add(name);
      }
    }
    const provided = new Set(installed);
    for (const name of installed) {
      for (const peer of Object.keys(manifestOf(name)?.peerDependencies ?? {})) provided.add(peer);
    }
    for (const [all, needed] of NEEDS_TOGETHER) {
      if (all.every((name) => installed.has(name)) && !installed.has(needed)) {
        problems.push(`${readme}: an install line has ${all.join(' and ')} but not ${needed}`);
      }
    }
    for (const block of blocks) {
      if (!CODE.has(block.lang)) continue;
      const fileName = `${readme.replaceAll('/', '_').replace('.md', '')}_L${block.line}.${block.lang === 'tsx' ? 'tsx' : 'ts'}`;
      const { found, syntaxErrors } = importsOf(block.code, fileName);
      for (const error of syntaxErrors) {
        problems.push(
          `${readme}:${block.line}: ${ts.flattenDiagnosticMessageText(error.messageText, ' ')}`,
        );
      }
      if (block.info.includes('fragment')) continue;
      const packages = [...new Set(found.map(packageOf).filter(Boolean))];
      const relativeImports = found.some((s) => s.startsWith('.'));
      if (relativeImports) {
        problems.push(
          `${readme}:${block.line}: a snippet importing a relative path cannot run as pasted; mark it \`fragment\` or import packages`,
        );
        continue;
      }
      for (const name of packages) {
        if (!provided.has(name)) {
          problems.push(
            `${readme}:${block.line}: imports ${name}, which no install line of this README names`,
          );
        }
      }
      const dir = resolvingDir(packages);
      if (dir === undefined) {
        problems.push(
          `${readme}:${block.line}: no workspace directory resolves ${packages.join(', ')}`,
        );
        continue;
      }
      const target = workOf(dir);
      if (!byDir.has(dir)) rmSync(target, { recursive: true, force: true });
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, fileName), `${block.code}\nexport {};\n`);
      if (!byDir.has(dir)) byDir.set(dir, new Map());
      byDir.get(dir).set(fileName, `${readme}:${block.line}`);
    }
  }
  for (const [dir, files] of byDir) {
    const target = workOf(dir);
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: 'es2022',
        lib: ['es2023', 'dom', 'dom.iterable'],
        module: 'preserve',
        moduleResolution: 'bundler',
        jsx: 'preserve',
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        types: existsSync(join(dir, 'node_modules/@types/node')) ? ['node'] : [],
        typeRoots: [join(dir, 'node_modules/@types')],
      },
      files: [
        join(root, 'scripts/readme-snippets/app-globals.d.ts'),
        ...[...files.keys()].map((f) => join(target, f)),
      ],
    };
    writeFileSync(join(target, 'tsconfig.json'), JSON.stringify(config, null, 2));
    try {
      execFileSync(
        process.execPath,
        [
          join(root, 'node_modules/typescript/bin/tsc'),
          '-p',
          join(target, 'tsconfig.json'),
          '--pretty',
          'false',
        ],
        {
          stdio: 'pipe',
        },
      );
    } catch (error) {
      for (const line of String(error.stdout).split('\n').filter(Boolean)) {
        const match = /([^/\\]+\.tsx?)\((\d+),\d+\): (.*)$/.exec(line);
        if (match === null || !files.has(match[1])) {
          problems.push(`(${relative(root, dir)}) ${line}`);
          continue;
        }
        const [readme, first] = files.get(match[1]).split(':');
        problems.push(`${readme}:${Number(first) + Number(match[2])}: ${match[3]}`);
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkReadmes();
  for (const problem of problems) console.error(problem);
  console.log(
    problems.length === 0 ? 'every README snippet checks' : `${problems.length} problems`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}
