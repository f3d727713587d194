import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprint } from '../../../core/plan/fingerprint.js';
import { PLAN_FILE_FORMAT, PlanFileError, readPlanFile, writePlanFile, type PlanFile } from '../../../core/plan/plan-file.js';
import { planStack } from '../../../core/plan/plan.js';
import { secretDigest } from '../../../core/model/secret.js';
import { observed, shopStack, stopped } from '../../fixtures/builders.js';

/** A plan file as `moor plan --out` writes it, for the shop with web's env changed and db stopped. */
function planFile(): PlanFile {
  const was = shopStack();
  const o = observed(was, stopped('db'));
  const desired = shopStack({ webEnv: { MODE: 'dev' } });
  return {
    moor_plan_file: PLAN_FILE_FORMAT,
    moor_version: '0.1.0',
    created_at: '2026-11-23T12:00:00.000Z',
    engine: 'unix:///var/run/docker.sock',
    refresh: false,
    desired,
    plan: planStack(desired, o),
    fingerprint: fingerprint(o),
  };
}

/** Run in a fresh folder, removed afterwards. */
function inTempDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-plan-file-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The PlanFileError message reading the file gives, or a failure when it reads. */
function refusal(file: string): string {
  try {
    readPlanFile(file);
  } catch (e) {
    assert.instance(e, PlanFileError);
    assert.is((e as Error).name, 'PlanFileError');
    return (e as Error).message;
  }
  throw new Error(`${file} was read as a plan file`);
}

const files = suite('plan files');

files('what is written is read back as it was', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'plan.json');
    const content = planFile();
    writePlanFile(file, content);
    assert.equal(readPlanFile(file), JSON.parse(JSON.stringify(content)));
    assert.equal(readPlanFile(file).plan.nodes.map((n) => `${n.id} ${n.action}`).filter((s) => !s.endsWith('noop')), [
      'container.db update', 'container.web replace', 'container.sidecar replace',
    ]);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('{\n  "moor_plan_file": 2,\n'), text.slice(0, 40));
    assert.ok(text.endsWith('}\n'));
  });
});

files('a plan file is readable by its owner only (0600), also when it replaces a wider one', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'plan.json');
    writePlanFile(file, planFile());
    assert.is((statSync(file).mode & 0o777).toString(8), '600');
    const old = path.join(dir, 'old-plan.json');
    writeFileSync(old, '{}', { mode: 0o644 });
    chmodSync(old, 0o644);
    writePlanFile(old, planFile());
    assert.is((statSync(old).mode & 0o777).toString(8), '600');
  });
});

files('a plan file carries a secret\'s reference and digest, never its value', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'plan.json');
    const content = planFile();
    const digest = secretDigest(Buffer.alloc(32, 7), 'hunter2');
    content.desired.containers[0]!.env.PASSWORD = { secret: 'env:PASSWORD', digest };
    writePlanFile(file, content);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes('"secret": "env:PASSWORD"'));
    assert.not.ok(text.includes('hunter2'));
  });
});

files('another format number is refused, saying which one this moor reads', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify({ ...planFile(), moor_plan_file: 1 }));
    assert.is(refusal(file), `${file} is a plan file of format 1; this moor reads format 2. Make the plan again with this version.`);
  });
});

files('JSON that is not a plan file is refused as such', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'other.json');
    for (const json of ['{"name":"moor","version":"0.1.0"}', '[]', 'null', '"plan"', '42']) {
      writeFileSync(file, json);
      assert.is(refusal(file), `${file} is not a moor plan file (made by moor plan --out)`, json);
    }
  });
});

files('a plan file missing its parts, or with a plan of another format, is damaged', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'plan.json');
    const full = planFile();
    const damaged = [
      { ...full, fingerprint: undefined },
      { ...full, desired: undefined },
      { ...full, plan: undefined },
      { ...full, plan: { ...full.plan, format: 1 } },
    ];
    for (const content of damaged) {
      writeFileSync(file, JSON.stringify(content));
      assert.is(refusal(file), `${file} is incomplete or damaged; make the plan again`);
    }
  });
});

files('a file that is not JSON, or not there, cannot be read, and the message says why', () => {
  inTempDir((dir) => {
    const file = path.join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(planFile()).slice(0, 100));
    assert.match(refusal(file), new RegExp(`^cannot read the saved plan ${file}: .*JSON`));
    const missing = path.join(dir, 'nope.json');
    assert.match(refusal(missing), new RegExp(`^cannot read the saved plan ${missing}: ENOENT`));
  });
});

files.run();
