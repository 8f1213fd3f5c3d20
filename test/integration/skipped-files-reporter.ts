// Names, at the end of a run, the integration files that ran no test: outside CI a missing Kafka
// or ClickHouse skips them (services.ts warns per file while they load, which scrolls away), and
// `npm test` should still say plainly what it did not check. Under CI=true they fail instead.
import type { Reporter, TestModule } from 'vitest/node';

export function skippedFiles(modules: ReadonlyArray<TestModule>, project: string): string[] {
  return modules
    .filter((m) => m.project.name === project)
    .filter((m) => {
      const tests = [...m.children.allTests()];
      return tests.length > 0 && tests.every((t) => t.result().state === 'skipped');
    })
    .map((m) => m.relativeModuleId)
    .sort();
}

export class SkippedIntegrationReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const files = skippedFiles(modules, 'integration');
    if (files.length === 0) return;
    process.stderr.write(
      `\n[integration] WARNING: ${files.length} integration file(s) ran no test, most likely because Kafka or ClickHouse is not running ` +
        `(start them with \`npm run services:up\`; under CI=true they fail instead):\n${files.map((f) => `  - ${f}`).join('\n')}\n`,
    );
  }
}
