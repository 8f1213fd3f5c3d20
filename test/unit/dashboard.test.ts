// The dashboard is one static page: its script must parse, and it reads only the query API.
import { describe, expect, it } from 'vitest';
import { DASHBOARD_HTML } from '../../api/dashboard.js';

describe('dashboard page', () => {
  const script = DASHBOARD_HTML.split('<script>')[1]?.split('</script>')[0] ?? '';

  it('carries a script that parses as JavaScript', () => {
    expect(script.length).toBeGreaterThan(100);
    expect(() => new Function(script)).not.toThrow();
  });

  it('reads incidents, one incident and the topology from the API, escaping what it shows', () => {
    for (const path of ["'/v1/incidents?'", "'/v1/incidents/'", "'/v1/topology'"]) expect(script).toContain(path);
    expect(script).toContain("e.source || 'config'");
    // Every service name shown goes through esc().
    expect(script).not.toMatch(/'<td>' \+ (e|c|a)\.(from|to|service) \+/);
  });
});
