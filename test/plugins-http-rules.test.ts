// The http plugin's pure parts: the SSRF address classifier (every spelling of every special
// address), URL parsing, and rule parsing and matching. No sockets, no DNS.
import { describe, expect, it } from 'vitest';
import { canonicalHost, classify, classifyHost, parseIp, specialName } from '../plugins/http/address.ts';
import { matchRules, parseRule, parseRules, type Rule } from '../plugins/http/rules.ts';
import { displayUrl, parseUrl } from '../plugins/http/url.ts';

/** The category of a host as the plugin sees it before connecting (no DNS involved). */
function category(host: string): string {
  const c = classifyHost(host);
  if (c.kind === 'ip') return c.special ? `${c.ip.text} ${c.special.name}` : `${c.ip.text} public`;
  if (c.kind === 'special-name') return `name ${c.why}`;
  return c.kind;
}

describe('address classifier: every spelling of loopback', () => {
  const loopback4 = [
    '127.0.0.1',
    '2130706433', // decimal
    '0x7f000001', // hex
    '0X7F000001',
    '0x7f.0.0.1', // hex first part
    '0x7f.0x0.0x0.0x1',
    '0177.0.0.1', // octal
    '0177.0000.0000.0001',
    '017700000001', // octal whole
    '127.1', // short forms
    '127.0.1',
    '127.000.000.001',
    '127.0.0.1.', // trailing dot
    '127.255.255.254', // anywhere in 127/8
    '0x7f.1',
    '%31%32%37.0.0.1', // percent-encoded digits
  ];
  for (const host of loopback4) {
    it(`${host} is loopback`, () => {
      expect(category(host)).toMatch(/^127\.\d+\.\d+\.\d+ loopback$/);
    });
  }

  const loopback6: [string, string][] = [
    ['[::1]', '::1 loopback'],
    ['[0:0:0:0:0:0:0:1]', '::1 loopback'],
    ['[0000:0000:0000:0000:0000:0000:0000:0001]', '::1 loopback'],
    ['[::0:1]', '::1 loopback'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1 IPv4-mapped'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1 IPv4-mapped'],
    ['[0:0:0:0:0:ffff:7f00:0001]', '::ffff:7f00:1 IPv4-mapped'],
    ['[::ffff:8.8.8.8]', '::ffff:808:808 IPv4-mapped'], // mapped is refused whatever it maps
    ['[::127.0.0.1]', '::7f00:1 IPv4-compatible (deprecated)'],
    ['[64:ff9b::127.0.0.1]', '64:ff9b::7f00:1 NAT64 to a loopback IPv4 address'],
    ['[2002:7f00:1::]', '2002:7f00:1:: 6to4 to a loopback IPv4 address'],
  ];
  for (const [host, expected] of loopback6) {
    it(`${host} is ${expected}`, () => expect(category(host)).toBe(expected));
  }

  const names: [string, string][] = [
    ['localhost', 'name loopback name (.localhost)'],
    ['localhost.', 'name loopback name (.localhost)'],
    ['LOCALHOST', 'name loopback name (.localhost)'],
    ['LocalHost..', 'name loopback name (.localhost)'], // every trailing dot
    ['evil.localhost', 'name loopback name (.localhost)'],
    ['a.b.localhost.', 'name loopback name (.localhost)'],
    ['printer.local', 'name multicast DNS name (.local)'],
    ['metadata.google.internal', 'name private-use name (.internal)'],
    ['router.home.arpa', 'name home network name (.home.arpa)'],
    ['ip6-localhost', 'name'], // resolved, then judged by its addresses (see the plugin tests)
    ['localhost.example.com', 'name'],
  ];
  for (const [host, expected] of names) {
    it(`${host}: ${expected}`, () => expect(category(host)).toBe(expected));
  }
});

describe('address classifier: the other special ranges', () => {
  const table: [string, string][] = [
    ['0.0.0.0', 'unspecified ("this network")'],
    ['0', 'unspecified ("this network")'],
    ['0x0', 'unspecified ("this network")'],
    ['0.1.2.3', 'unspecified ("this network")'],
    ['10.0.0.1', 'private'],
    ['012.0.0.1', 'private'], // octal 10
    ['167772161', 'private'], // decimal 10.0.0.1
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['0xc0a80101', 'private'],
    ['100.64.0.1', 'shared address space (carrier-grade NAT)'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['2852039166', 'link-local (cloud metadata)'], // decimal 169.254.169.254
    ['0xa9fea9fe', 'link-local (cloud metadata)'],
    ['0251.0376.0251.0376', 'link-local (cloud metadata)'],
    ['169.254.43518', 'link-local (cloud metadata)'], // short form of 169.254.169.254
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['4294967295', 'broadcast'],
    ['[::]', 'unspecified'],
    ['[::0]', 'unspecified'],
    ['[fc00::1]', 'unique-local'],
    ['[fd12:3456:789a::1]', 'unique-local'],
    ['[fe80::1]', 'link-local'],
    ['[febf::1]', 'link-local'],
    ['[fec0::1]', 'site-local (deprecated)'],
    ['[ff02::1]', 'multicast'],
    ['[ff05::1:3]', 'multicast'],
    ['[2001:db8::1]', 'documentation'],
    ['[2001::1]', 'Teredo'],
    ['[100::1]', 'discard-only'],
    ['[64:ff9b:1::a]', 'local-use NAT64'],
    ['[64:ff9b::10.0.0.1]', 'NAT64 to a private IPv4 address'],
    ['[64:ff9b::a9fe:a9fe]', 'NAT64 to a link-local (cloud metadata) IPv4 address'],
    ['[2002:a9fe:a9fe::1]', '6to4 to a link-local (cloud metadata) IPv4 address'],
    ['[fd00:ec2::254]', 'unique-local'], // AWS's IPv6 metadata address
    ['[1::1]', 'not global unicast'],
    ['[4000::1]', 'not global unicast'],
  ];
  for (const [host, name] of table) {
    it(`${host} is ${name}`, () => {
      const c = classifyHost(host);
      expect(c.kind).toBe('ip');
      expect(c.kind === 'ip' ? c.special?.name : undefined).toBe(name);
    });
  }

  const publics = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '172.15.255.255', // just below 172.16/12
    '172.32.0.0', // just above
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '11.0.0.1',
    '[2606:4700::1111]',
    '[2a00:1450:4001:80b::200e]',
    '[64:ff9b::8.8.8.8]', // NAT64 to a public address is public
    '[2002:808:808::1]', // 6to4 of a public address
  ];
  for (const host of publics) {
    it(`${host} is public`, () => {
      const c = classifyHost(host);
      expect(c.kind).toBe('ip');
      expect(c.kind === 'ip' ? c.special : 'x').toBeUndefined();
    });
  }

  it('refuses hosts the URL parser refuses', () => {
    for (const host of ['0x100000000', '256.0.0.1', '1.2.3.4.5', '[::1', '[fe80::1%25eth0]', 'a b', '']) {
      expect(classifyHost(host).kind, host).toBe('invalid');
    }
  });

  it('parses the forms a resolver returns, canonically', () => {
    expect(parseIp('::ffff:127.0.0.1')?.text).toBe('::ffff:7f00:1');
    expect(parseIp('0:0:0:0:0:0:0:1')?.text).toBe('::1');
    expect(parseIp('FE80::ABCD')?.text).toBe('fe80::abcd');
    expect(parseIp('127.0.0.1')?.bytes).toEqual(new Uint8Array([127, 0, 0, 1]));
    // Not canonical dotted quads: a resolver never returns these, and they are not guessed at.
    expect(parseIp('0177.0.0.1')).toBeUndefined();
    expect(parseIp('127.1')).toBeUndefined();
    expect(parseIp('example.com')).toBeUndefined();
    const mapped = parseIp('::ffff:169.254.169.254');
    expect(mapped && classify(mapped)?.name).toBe('IPv4-mapped');
  });

  it('canonicalises hosts as URLs do', () => {
    expect(canonicalHost('EXAMPLE.com')).toBe('example.com');
    expect(canonicalHost('0x7f.1')).toBe('127.0.0.1');
    expect(canonicalHost('::1')).toBe('[::1]');
    expect(canonicalHost('exämple.com')).toBe('xn--exmple-cua.com');
    expect(canonicalHost('a/b')).toBeUndefined();
    expect(canonicalHost('user@host')).toBeUndefined();
    expect(specialName('example.com')).toBeUndefined();
  });
});

describe('URL parsing', () => {
  const refused = (input: string) => {
    const r = parseUrl(input);
    return r.ok ? 'ok' : r.reason;
  };

  it('normalises what WHATWG normalises and strips the fragment', () => {
    const r = parseUrl('HTTP://Example.COM:80/a/./b/../c/%2e%2e/d?x=1#frag');
    expect(r.ok && r.url.href).toBe('http://example.com/a/d?x=1');
    const back = parseUrl('http://example.com\\allowed\\x');
    expect(back.ok && back.url.href).toBe('http://example.com/allowed/x');
  });

  it('refuses control characters and spaces rather than letting the parser drop them', () => {
    for (const input of [
      'http://a/ta\tb',
      'http://a/x\r\nX-Injected: 1',
      'http://a/x\n',
      ' http://a/',
      'http://a/ ',
      'http://a/\u0000',
      'http://a/\u007f',
      'http://a/\u001b[31m',
    ]) {
      expect(refused(input), JSON.stringify(input)).toBe(
        'the URL contains a control character or starts or ends with a space',
      );
    }
    // A space inside is percent-encoded in a path or query, and refused in a host.
    const spaced = parseUrl('http://a/search here?q=two words');
    expect(spaced.ok && spaced.url.href).toBe('http://a/search%20here?q=two%20words');
    expect(refused('http://a b/')).toBe('the URL is not a valid absolute URL');
  });

  it('refuses other schemes, credentials and relative URLs', () => {
    expect(refused('file:///etc/passwd')).toContain('is not http or https');
    expect(refused('ftp://example.com/')).toContain('is not http or https');
    expect(refused('data:text/plain,hi')).toContain('is not http or https');
    expect(refused('http://user:pw@example.com/')).toContain('credentials');
    expect(refused('http://a@example.com/')).toContain('credentials');
    expect(refused('/relative')).toBe('the URL is not a valid absolute URL');
    expect(refused('http://[::1/')).toBe('the URL is not a valid absolute URL');
    expect(refused(`http://a/${'x'.repeat(9000)}`)).toContain('longer than');
  });

  it('refuses paths that climb once their encoding is undone', () => {
    for (const input of [
      'http://a/allowed/..%2fadmin',
      'http://a/allowed/..%2Fadmin',
      'http://a/allowed/%2e%2e%2fadmin',
      'http://a/allowed/..%5cadmin',
      'http://a/allowed/%252e%252e/admin',
      'http://a/allowed/..;/admin',
      'http://a/allowed/.;x/admin',
    ]) {
      expect(refused(input), input).toContain('encoded dot segment');
    }
    // An encoded slash that does not climb (GitLab's group%2Fproject) is fine.
    expect(refused('http://a/api/v4/projects/group%2Fproject')).toBe('ok');
    expect(refused('http://a/files/a..b/c.d')).toBe('ok');
  });

  it('shows URLs without query values', () => {
    const r = parseUrl('https://api.example.com/search?q=secret-term&token=abc&flag');
    expect(r.ok && displayUrl(r.url)).toBe('https://api.example.com/search?q=…&token=…&flag');
  });
});

function rule(text: string, kind: 'allow' | 'deny' | 'match' = 'allow'): Rule {
  const parsed = parseRule(text, kind);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.rule;
}

const url = (s: string): URL => {
  const r = parseUrl(s);
  if (!r.ok) throw new Error(r.reason);
  return r.url;
};

describe('rules: parsing', () => {
  it('a rule without a method allows GET and HEAD; deny and match rules cover every method', () => {
    expect([...rule('https://a.example/*').methods]).toEqual(['GET', 'HEAD']);
    expect([...rule('https://a.example/*', 'deny').methods]).toHaveLength(7);
    expect([...rule('https://a.example/*', 'match').methods]).toHaveLength(7);
    expect([...rule('post https://a.example/*').methods]).toEqual(['POST']);
    expect([...rule('* https://a.example/*').methods]).toHaveLength(7);
  });

  it('records a literal address and port', () => {
    const r = rule('GET http://127.0.0.1:8080/allowed/**');
    expect(r.address?.text).toBe('127.0.0.1');
    expect(r.port).toBe('8080');
    expect(rule('GET http://0x7f.1:8080/x').address?.text).toBe('127.0.0.1');
    expect(rule('GET http://[0:0::1]:8080/x').address?.text).toBe('::1');
    expect(rule('GET http://*:8080/x').address).toBeUndefined();
    expect(rule('GET http://127.0.0.1:*/x').port).toBeUndefined();
  });

  const problems: [string, RegExp][] = [
    ['ftp://example.com/', /only http and https/],
    ['https://user:pw@example.com/', /credentials/],
    ['https://example.com/a#frag', /fragment/],
    ['https://example.com/(\\d+)', /regular expression/],
    ['TRACE https://example.com/', /method "TRACE"/],
    ['CONNECT https://example.com/', /method "CONNECT"/],
    ['relative/path', /not a valid absolute URL pattern/],
    ['http://example.com:99999/', /not a valid absolute URL pattern/],
    ['http://localhost:8080/', /loopback name/],
    ['http://api.localhost/', /loopback name/],
    ['http://0.0.0.0:8080/', /never allowed/],
    ['http://0/', /never allowed/],
    ['http://224.0.0.1/', /never allowed/],
    ['http://255.255.255.255/', /never allowed/],
    ['http://[::]/', /never allowed/],
    ['http://[ff02::1]/', /never allowed/],
    ['http://[1:2:3:4:5:6:7:8:9]/', /not an IPv6 address/],
    ['http://[zz::1]/', /not a valid absolute URL pattern/],
    ['GET  ', /has no URL pattern after it/],
    ['GET https://a/ extra', /expected "METHOD pattern"/],
  ];
  for (const [text, problem] of problems) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const parsed = parseRule(text, 'allow');
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.problem).toMatch(problem);
    });
  }

  it('reports each problem with its index', () => {
    const { rules, problems: found } = parseRules(
      ['https://a.example/*', 'ftp://x/', 'GET https://b.example/'],
      'allow',
    );
    expect(rules.map((r) => r.text)).toEqual(['https://a.example/*', 'GET https://b.example/']);
    expect(found.map((p) => p.index)).toEqual([1]);
  });
});

describe('rules: regressions found by test/fuzz/http-rules.test.ts', () => {
  const problem = (text: string, kind: 'allow' | 'deny' = 'allow') => {
    const parsed = parseRule(text, kind);
    return parsed.ok ? 'ok' : parsed.problem;
  };

  it('refuses a query right after "*" or ":name", which URLPattern read as more path', () => {
    // URLPattern reads "*?" as an optional wildcard: this deny rule denied nothing it names.
    const p = new URLPattern('https://api.example.com/*?q=1');
    expect([p.pathname, p.search]).toEqual(['/*?q=1', '*']);
    expect(problem('https://api.example.com/*?q=1', 'deny')).toMatch(
      /right after "\*" or ":name".*"optional"/,
    );
    expect(problem('https://api.example.com/**?q=1', 'deny')).toMatch(/"optional"/);
    expect(problem('GET https://a.example/users/:id?admin=1')).toMatch(/"optional"/);
    // An optional segment at the end or before a "/" says what it means; a fixed end is fine.
    expect(problem('GET https://a.example/users/:id?')).toBe('ok');
    expect(problem('GET https://a.example/users/:id?/posts')).toBe('ok');
    expect(problem('GET https://a.example/search?q=*')).toBe('ok');
    expect(problem('GET https://a.example/x/*/?q=1')).toBe('ok');
  });

  it('refuses a default port with a scheme pattern, which never matched URLs on that port', () => {
    // A URL on its default port has no port; URLPattern keeps "443" when the scheme is a pattern.
    expect(new URLPattern('*://a.example:443/x').test('https://a.example/x')).toBe(false);
    expect(problem('*://a.example:443/*', 'deny')).toMatch(/names port 443 with scheme "\*"/);
    expect(problem('http{s}?://a.example:80/*')).toMatch(/names port 80/);
    expect(problem('https://a.example:443/*')).toBe('ok'); // a fixed scheme drops its default port
    expect(problem('http://a.example:443/*')).toBe('ok'); // plain http on 443 is what it says
    expect(problem('*://a.example:8080/*')).toBe('ok');
  });

  it('an address that carries one no rule may open stays closed in that spelling', () => {
    for (const text of [
      'http://[::ffff:0.0.0.0]:8080/',
      'http://[::ffff:224.0.0.1]/',
      'http://[::ffff:255.255.255.255]/',
      'http://[64:ff9b::0.0.0.1]/',
      'http://[2002:e000:1::]/',
    ]) {
      expect(problem(text), text).toMatch(/never allowed/);
    }
    // Mapped loopback is still refused unless named, and may be named.
    const mapped = parseIp('::ffff:127.0.0.1');
    expect(mapped && classify(mapped)).toMatchObject({ name: 'IPv4-mapped', namedOk: true });
    expect(problem('GET http://[::ffff:127.0.0.1]:8080/')).toBe('ok');
  });
});

describe('rules: matching', () => {
  const allow = [
    rule('https://api.github.com/repos/acme/*/issues*'),
    rule('POST https://api.github.com/repos/acme/*/issues/*/comments'),
    rule('GET http://127.0.0.1:8080/allowed/**'),
    rule('GET https://files.example/:name'),
  ];
  const deny = [rule('https://api.github.com/repos/acme/secret/*', 'deny')];
  const decide = (method: 'GET' | 'POST' | 'HEAD' | 'DELETE', u: string) => {
    const parsed = url(u);
    const m = matchRules(allow, deny, method, parsed, displayUrl(parsed));
    return m.allow ? `allow: ${m.rules[0]?.text}` : `${m.rule} | ${m.reason}`;
  };

  it('a deny rule holds against other spellings a server reads the same: %-encoded letters, case', () => {
    for (const u of [
      'https://api.github.com/repos/acme/%73ecret/issues',
      'https://api.github.com/repos/acme/%73%65%63%72%65%74/issues',
      'https://api.github.com/repos/ACME/Secret/issues',
      'https://api.github.com/REPOS/acme/SECRET/issues',
    ]) {
      expect(decide('GET', u)).toMatch(/^deny: https:\/\/api.github.com\/repos\/acme\/secret\/\* \| GET /);
    }
    // What is matched is what is sent: the decoded form.
    expect(url('https://a.example/%73ecret?q=%6Fpen&x=%2F').href).toBe(
      'https://a.example/secret?q=open&x=%2F',
    );
    // Allow rules match exactly (case matters to most paths).
    expect(decide('GET', 'https://api.github.com/REPOS/acme/web/issues')).toMatch(/matches no allow rule/);
  });

  it('allows what a rule allows, with queries when the rule says nothing of them', () => {
    expect(decide('GET', 'https://api.github.com/repos/acme/web/issues')).toBe(
      'allow: https://api.github.com/repos/acme/*/issues*',
    );
    expect(decide('GET', 'https://api.github.com/repos/acme/web/issues?state=open&per_page=100')).toMatch(
      /^allow/,
    );
    expect(decide('HEAD', 'https://api.github.com/repos/acme/web/issues')).toMatch(/^allow/);
    expect(decide('POST', 'https://api.github.com/repos/acme/web/issues/7/comments')).toBe(
      'allow: POST https://api.github.com/repos/acme/*/issues/*/comments',
    );
    expect(decide('GET', 'https://files.example/report.pdf')).toMatch(/^allow/);
    expect(decide('GET', 'https://files.example/dir/report.pdf')).toMatch(/matches no allow rule/); // :name is one segment
  });

  it('denies other methods, naming what the rules permit', () => {
    expect(decide('POST', 'https://api.github.com/repos/acme/web/issues')).toBe(
      'allow | POST https://api.github.com/repos/acme/web/issues: the allow rules for this URL permit only GET, HEAD',
    );
    expect(decide('DELETE', 'http://127.0.0.1:8080/allowed/x')).toMatch(/permit only GET$/);
  });

  it('deny wins over allow, and names its rule', () => {
    expect(decide('GET', 'https://api.github.com/repos/acme/secret/issues')).toBe(
      'deny: https://api.github.com/repos/acme/secret/* | GET https://api.github.com/repos/acme/secret/issues matches deny rule "https://api.github.com/repos/acme/secret/*"',
    );
    // A deny rule without a method denies every method.
    expect(decide('POST', 'https://api.github.com/repos/acme/secret/issues/1/comments')).toMatch(/^deny: /);
  });

  it('denies by default, without query values in the message', () => {
    expect(decide('GET', 'https://api.github.com/user?token=hunter2')).toBe(
      'allow | GET https://api.github.com/user?token=… matches no allow rule',
    );
  });

  it('matches the normalised URL, not the string the script wrote', () => {
    expect(decide('GET', 'http://127.0.0.1:8080/allowed/../admin')).toMatch(/matches no allow rule/);
    expect(decide('GET', 'http://127.0.0.1:8080/allowed/%2e%2e/admin')).toMatch(/matches no allow rule/);
    expect(decide('GET', 'http://127.0.0.1:8080/allowed/./x')).toMatch(/^allow/);
    expect(decide('GET', 'HTTP://127.0.0.1:8080/allowed/x')).toMatch(/^allow/);
    expect(decide('GET', 'http://2130706433:8080/allowed/x')).toMatch(/^allow/); // it is 127.0.0.1
    expect(decide('GET', 'https://API.GitHub.com/repos/acme/web/issues')).toMatch(/^allow/);
    expect(decide('GET', 'https://api.github.com./repos/acme/web/issues')).toMatch(/matches no allow rule/);
    expect(decide('GET', 'https://api.github.com:443/repos/acme/web/issues')).toMatch(/^allow/);
    expect(decide('GET', 'https://api.github.com:8443/repos/acme/web/issues')).toMatch(
      /matches no allow rule/,
    );
    expect(decide('GET', 'http://api.github.com/repos/acme/web/issues')).toMatch(/matches no allow rule/);
    expect(decide('GET', 'https://evil.example/?https://api.github.com/repos/acme/web/issues')).toMatch(
      /matches no allow rule/,
    );
  });

  it("reaches another protocol's port only through a rule that names it", () => {
    const wild = [rule('GET http://*:*/**')];
    const named = [rule('GET http://mail.example:25/**')];
    const at = (rules: Rule[], u: string) => matchRules(rules, [], 'GET', url(u), u).allow;
    expect(at(wild, 'http://mail.example:25/')).toBe(false);
    expect(at(wild, 'http://irc.example:6667/')).toBe(false);
    expect(at(wild, 'http://web.example:8080/')).toBe(true);
    expect(at(named, 'http://mail.example:25/')).toBe(true);
  });

  it('a rule with a query matches only that query; IPv6 literals match', () => {
    const q = [rule('GET https://a.example/search?q=*')];
    expect(matchRules(q, [], 'GET', url('https://a.example/search?q=x'), '').allow).toBe(true);
    expect(matchRules(q, [], 'GET', url('https://a.example/search?p=x'), '').allow).toBe(false);
    const six = [rule('GET http://[::1]:8080/x/*')];
    expect(matchRules(six, [], 'GET', url('http://[0:0::1]:8080/x/y'), '').allow).toBe(true);
    expect(matchRules(six, [], 'GET', url('http://127.0.0.1:8080/x/y'), '').allow).toBe(false);
  });
});
