import { luhnValid, Redactor } from '../../src/core/redact.js';

describe('PII redaction', () => {
  test('replaces e-mail addresses, phone numbers, IP addresses and card numbers, counting each', () => {
    const r = new Redactor(['email', 'phone', 'ip', 'card']);
    const out = r.redactText('Mail ana.b+x@example.co.uk or call +44 20 7946 0958 from 192.168.10.4; card 4111 1111 1111 1111.');
    expect(out).toBe('Mail [EMAIL] or call [PHONE] from [IP]; card [CARD].');
    expect(r.counts).toEqual({ email: 1, phone: 1, ip: 1, card: 1 });
  });

  test('a 16-digit number that fails the Luhn check is not a card', () => {
    const r = new Redactor(['card']);
    expect(r.redactText('order 4111 1111 1111 1112')).toBe('order 4111 1111 1111 1112');
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  test('only the kinds asked for are redacted', () => {
    const r = new Redactor(['email']);
    expect(r.redactText('a@b.org 10.0.0.1')).toBe('[EMAIL] 10.0.0.1');
  });

  test('dates, versions and short numbers are left alone', () => {
    const r = new Redactor(['phone', 'ip']);
    const text = 'On 2024-05-01, version 1.2.3 shipped 42 fixes at 10:30.';
    expect(r.redactText(text)).toBe(text);
  });

  test('string fields at any depth and text payloads are redacted too', () => {
    const r = new Redactor(['email']);
    const out = r.redactRecord({ key: 'k', text: null, fields: { who: { mail: ['x@y.io'] }, n: 3 }, raw: Buffer.from('<p>x@y.io</p>') });
    expect(out.fields).toEqual({ who: { mail: ['[EMAIL]'] }, n: 3 });
    expect(out.raw?.toString()).toBe('<p>[EMAIL]</p>');
    expect(r.stats()).toEqual({ 'redacted.email': 2 });
  });
});
