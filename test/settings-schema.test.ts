import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LINK_VALIDITY_MAX_MINUTES } from '../lib/epic/launch-limits.ts';
import {
  LAUNCH_TEXT_MAX,
  LOGO_MAX_BYTES,
  characterCount,
  encryptionSecretWarning,
  logoFileSchema,
  settingsSchema,
  type SettingsFormValues,
  type StoredSecrets,
} from '../lib/settings/schema.ts';

const NOTHING_STORED: StoredSecrets = { encryptionSecret: false, authPassword: false, oauthClientSecret: false };
const ALL_STORED: StoredSecrets = { encryptionSecret: true, authPassword: true, oauthClientSecret: true };

// base64 of the 32 bytes 0x00..0x1f
const SECRET_256 = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64');

function form(overrides: Partial<SettingsFormValues> = {}): SettingsFormValues {
  return {
    name: 'Example Health',
    defaultHostEmail: 'host@example.org',
    providerUserType: 'Licensed',
    encryptionKey: 'clinic-key_01',
    encryptionAlgorithm: 'AES-256-CBC',
    encryptionSecret: SECRET_256,
    epicEnvironment: 'Test',
    admittancePolicy: 'automatic',
    authType: 'none',
    oauthClientAuth: 'client_secret_basic',
    authName: '',
    authPassword: '',
    oauthClientIdTest: '',
    oauthClientIdProduction: '',
    oauthClientSecret: '',
    oauthIssuersTest: '',
    oauthIssuersProduction: '',
    epicClientId: '',
    vendorName: 'Example Health',
    connectionStatusUrl: '',
    deviceTestUrl: '',
    deviceTestHelpUrl: '',
    epicTimeZone: 'America/Chicago',
    defaultLinkValidityMinutes: '60',
    customText: '',
    screenSharePolicy: 'providers',
    chatEnabled: false,
    largestVisit: '4',
    ...overrides,
  };
}

function parse(overrides: Partial<SettingsFormValues> = {}, stored: StoredSecrets = NOTHING_STORED, publicUrlConfigured = true) {
  return settingsSchema(stored, { publicUrlConfigured }).safeParse(form(overrides));
}

/** The messages reported for one field; fails the test when the form was accepted. */
function errorsFor(overrides: Partial<SettingsFormValues>, field: keyof SettingsFormValues, stored = NOTHING_STORED): string[] {
  const result = parse(overrides, stored);
  assert.equal(result.success, false, `expected ${field} to be refused`);
  return result.error!.issues.filter((issue) => issue.path[0] === field).map((issue) => issue.message);
}

function assertRefused(overrides: Partial<SettingsFormValues>, field: keyof SettingsFormValues, message?: RegExp, stored = NOTHING_STORED) {
  const messages = errorsFor(overrides, field, stored);
  assert.ok(messages.length > 0, `expected an error on ${field}, got ${JSON.stringify(parse(overrides, stored).error?.issues)}`);
  if (message) assert.ok(messages.some((text) => message.test(text)), `${JSON.stringify(messages)} does not match ${message}`);
}

function assertAccepted(overrides: Partial<SettingsFormValues>, stored = NOTHING_STORED) {
  const result = parse(overrides, stored);
  assert.ok(result.success, `expected acceptance, got ${JSON.stringify(result.error?.issues)}`);
  return result.data;
}

describe('settingsSchema', () => {
  test('a complete, valid form is accepted and the link validity becomes a number', () => {
    const data = assertAccepted({ defaultLinkValidityMinutes: ' 90 ' });
    assert.equal(data.defaultLinkValidityMinutes, 90);
    assert.equal(data.encryptionSecret, SECRET_256);
  });

  describe('custom text', () => {
    test(`${LAUNCH_TEXT_MAX} characters are accepted`, () => {
      assertAccepted({ customText: 'a'.repeat(256) });
    });

    test('257 characters are refused', () => {
      assertRefused({ customText: 'a'.repeat(257) }, 'customText', /At most 256 characters/);
    });

    test('an emoji counts as one character', () => {
      assert.equal(characterCount('😀'), 1);
      assert.equal(characterCount('a😀b'), 3);
      assertAccepted({ customText: '😀'.repeat(256) }); // 512 UTF-16 code units
      assertRefused({ customText: '😀'.repeat(257) }, 'customText', /At most 256/);
    });
  });

  describe('default link validity', () => {
    test(`${LINK_VALIDITY_MAX_MINUTES} minutes (30 days) are accepted`, () => {
      assert.equal(assertAccepted({ defaultLinkValidityMinutes: '43200' }).defaultLinkValidityMinutes, 43_200);
    });

    test('43201 minutes are refused', () => {
      assertRefused({ defaultLinkValidityMinutes: '43201' }, 'defaultLinkValidityMinutes', /At most 43200 minutes/);
    });

    test('0 minutes (links never expire) is accepted', () => {
      assert.equal(assertAccepted({ defaultLinkValidityMinutes: '0' }).defaultLinkValidityMinutes, 0);
    });

    test('negative, fractional, empty and non-numeric minutes are refused', () => {
      for (const value of ['-1', '1.5', '', 'sixty', '1e3']) {
        assertRefused({ defaultLinkValidityMinutes: value }, 'defaultLinkValidityMinutes', /Enter whole minutes/);
      }
    });
  });

  describe('largest visit', () => {
    test('2 to 4 people are accepted, as numbers', () => {
      for (const people of [2, 3, 4]) assert.equal(assertAccepted({ largestVisit: ` ${people} ` }).largestVisit, people);
    });

    test('1 person is refused; without a media server (JANUS_URL) more than 4 are refused, and the message says what would allow it', () => {
      assertRefused({ largestVisit: '1' }, 'largestVisit', /At least 2 people/);
      assertRefused({ largestVisit: '5' }, 'largestVisit', /At most 4 people.*media server \(JANUS_URL\)/);
      assertRefused({ largestVisit: '12' }, 'largestVisit', /At most 4 people/);
    });

    test('with a media server, up to 12 people', () => {
      const withMediaServer = (largestVisit: string) => settingsSchema(NOTHING_STORED, { publicUrlConfigured: true, mediaServerConfigured: true }).safeParse(form({ largestVisit }));
      for (const people of [2, 5, 12]) assert.equal(withMediaServer(String(people)).data?.largestVisit, people);
      const refused = withMediaServer('13');
      assert.equal(refused.success, false);
      assert.match(refused.error!.issues.find((issue) => issue.path[0] === 'largestVisit')!.message, /At most 12 people/);
    });

    test('empty, fractional, negative and non-numeric values are refused', () => {
      for (const value of ['', '2.5', '-3', 'four', '100']) assertRefused({ largestVisit: value }, 'largestVisit', /Enter a number of people/);
    });
  });

  describe('encryption key', () => {
    test('8 and 100 characters are accepted', () => {
      assertAccepted({ encryptionKey: 'abcd-12_' });
      assertAccepted({ encryptionKey: 'k'.repeat(100) });
    });

    test('7 and 101 characters are refused', () => {
      assertRefused({ encryptionKey: 'abcd-12' }, 'encryptionKey', /8 to 100/);
      assertRefused({ encryptionKey: 'k'.repeat(101) }, 'encryptionKey', /8 to 100/);
    });

    test('characters other than letters, digits, - and _ are refused', () => {
      for (const key of ['clinic key', 'clinic.key1', 'clinic/key1', 'clinikey+1', 'clínic-key']) {
        assertRefused({ encryptionKey: key }, 'encryptionKey', /letters, digits, - or _/);
      }
    });

    test('surrounding spaces are trimmed before checking', () => {
      assert.equal(assertAccepted({ encryptionKey: '  clinic-key  ' }).encryptionKey, 'clinic-key');
    });
  });

  describe('encryption secret', () => {
    const base64OfBytes = (count: number) => Buffer.alloc(count, 7).toString('base64');

    test('AES-256-CBC accepts base64 of exactly 32 bytes', () => {
      assertAccepted({ encryptionAlgorithm: 'AES-256-CBC', encryptionSecret: base64OfBytes(32) });
    });

    test('AES-256-CBC refuses base64 of 31 or 33 bytes', () => {
      for (const secret of [base64OfBytes(31), base64OfBytes(33)]) {
        assertRefused({ encryptionAlgorithm: 'AES-256-CBC', encryptionSecret: secret }, 'encryptionSecret', /exactly 32 bytes/);
      }
    });

    test('AES-256-CBC refuses plain text', () => {
      assertRefused({ encryptionAlgorithm: 'AES-256-CBC', encryptionSecret: 'my shared secret' }, 'encryptionSecret', /base64/);
    });

    test('AES-128-CBC accepts a plain text secret', () => {
      assertAccepted({ encryptionAlgorithm: 'AES-128-CBC', encryptionSecret: 'my shared secret' });
    });

    test('an empty secret is refused when none is stored', () => {
      for (const algorithm of ['AES-256-CBC', 'AES-128-CBC'] as const) {
        assertRefused({ encryptionAlgorithm: algorithm, encryptionSecret: '' }, 'encryptionSecret', /Enter the encryption secret/);
      }
    });

    test('an empty secret is accepted when one is stored (keep it)', () => {
      assertAccepted({ encryptionSecret: '' }, { ...NOTHING_STORED, encryptionSecret: true });
      assertAccepted({ encryptionAlgorithm: 'AES-128-CBC', encryptionSecret: '' }, { ...NOTHING_STORED, encryptionSecret: true });
    });

    test('a secret of only spaces counts as empty', () => {
      assertRefused({ encryptionSecret: '   ' }, 'encryptionSecret', /Enter the encryption secret/);
    });
  });

  describe('basic authorization', () => {
    const basic = { authType: 'basic', authName: 'emp$televisit', authPassword: 'pa55word' } as const;

    test('a name and a password are accepted', () => {
      assertAccepted(basic);
    });

    test('the user name is required', () => {
      assertRefused({ ...basic, authName: '' }, 'authName', /Enter the Epic user name/);
    });

    test('the password is required when none is stored', () => {
      assertRefused({ ...basic, authPassword: '' }, 'authPassword', /Enter the Epic user password/);
    });

    test('the password may be left empty when one is stored', () => {
      assertAccepted({ ...basic, authPassword: '' }, { ...NOTHING_STORED, authPassword: true });
    });

    test('a user name containing ":" is refused', () => {
      assertRefused({ ...basic, authName: 'emp$tele:visit' }, 'authName', /cannot contain ":"/);
    });

    test('name and password are not required without basic authorization', () => {
      assertAccepted({ authType: 'none', authName: '', authPassword: '' });
    });
  });

  describe('OAuth', () => {
    const oauthTest = {
      authType: 'oauth',
      epicEnvironment: 'Test',
      oauthClientIdTest: 'test-client-id',
      oauthIssuersTest: 'https://fhir.test.example.org/api/FHIR/R4',
    } as const;
    const oauthProduction = {
      authType: 'oauth',
      epicEnvironment: 'Production',
      oauthClientIdProduction: 'prod-client-id',
      oauthIssuersProduction: 'https://fhir.example.org/api/FHIR/R4',
    } as const;

    test('Test needs only the Test client ID and a Test issuer', () => {
      assertAccepted(oauthTest);
    });

    test('Production needs only the Production client ID and a Production issuer', () => {
      assertAccepted(oauthProduction);
    });

    test('the client ID of the chosen environment is required', () => {
      assertRefused({ ...oauthTest, oauthClientIdTest: '' }, 'oauthClientIdTest', /Enter the Test client ID/);
      assertRefused({ ...oauthProduction, oauthClientIdProduction: '' }, 'oauthClientIdProduction', /Enter the Production client ID/);
    });

    test('the other environment client ID being set does not stand in for the chosen one', () => {
      assertRefused({ ...oauthTest, oauthClientIdTest: '', oauthClientIdProduction: 'prod-client-id' }, 'oauthClientIdTest');
    });

    test('at least one issuer of the chosen environment is required', () => {
      assertRefused({ ...oauthTest, oauthIssuersTest: '  \n \n' }, 'oauthIssuersTest', /at least one Test/);
      assertRefused(
        { ...oauthProduction, oauthIssuersProduction: '', oauthIssuersTest: 'https://fhir.test.example.org' },
        'oauthIssuersProduction',
        /at least one Production/,
      );
    });

    test('a client ID with spaces is refused', () => {
      assertRefused({ ...oauthTest, oauthClientIdTest: 'test client' }, 'oauthClientIdTest', /no spaces/);
    });

    test('client IDs and issuers are not required without OAuth', () => {
      assertAccepted({ authType: 'none', epicEnvironment: 'Production' });
    });
  });

  describe('URLs', () => {
    const urlFields = ['connectionStatusUrl', 'deviceTestUrl', 'deviceTestHelpUrl'] as const;

    test('Production accepts https endpoint URLs and refuses http', () => {
      for (const field of urlFields) {
        assertAccepted({ epicEnvironment: 'Production', [field]: 'https://video.example.org/status' });
        assertRefused({ epicEnvironment: 'Production', [field]: 'http://video.example.org/status' }, field, /https URLs only/);
      }
    });

    test('Test accepts http endpoint URLs', () => {
      for (const field of urlFields) assertAccepted({ epicEnvironment: 'Test', [field]: 'http://localhost:8080/status' });
    });

    test('empty endpoint URLs are accepted', () => {
      assertAccepted({ epicEnvironment: 'Production', connectionStatusUrl: '', deviceTestUrl: '', deviceTestHelpUrl: '' });
    });

    test('relative URLs are refused', () => {
      for (const field of urlFields) assertRefused({ [field]: '/status' }, field, /absolute URL/);
    });

    test('ftp and javascript URLs are refused', () => {
      for (const field of urlFields) {
        assertRefused({ [field]: 'ftp://files.example.org/status' }, field, /Only http and https/);
        assertRefused({ [field]: 'javascript:alert(1)' }, field, /Only http and https/);
      }
    });

    test('URLs with credentials are refused', () => {
      for (const field of urlFields) {
        assertRefused({ [field]: 'https://user:pass@video.example.org/status' }, field, /credentials/);
        assertRefused({ [field]: 'https://user@video.example.org/status' }, field, /credentials/);
      }
    });

    test('a URL longer than 2048 characters is refused', () => {
      assertRefused({ deviceTestUrl: `https://example.org/${'a'.repeat(2048)}` }, 'deviceTestUrl', /At most 2048/);
    });

    test('Production issuers must be https', () => {
      assertRefused(
        { epicEnvironment: 'Production', oauthIssuersProduction: 'http://fhir.example.org/api/FHIR/R4' },
        'oauthIssuersProduction',
        /https URLs only/,
      );
    });

    test('Test issuers may be http in the Test environment but not in Production', () => {
      assertAccepted({ epicEnvironment: 'Test', oauthIssuersTest: 'http://localhost:9000/fhir' });
      assertRefused({ epicEnvironment: 'Production', oauthIssuersTest: 'http://localhost:9000/fhir' }, 'oauthIssuersTest', /https/);
    });

    test('an issuer that is not an absolute http(s) URL is refused and named', () => {
      const messages = errorsFor(
        { oauthIssuersTest: 'https://fhir.example.org\nftp://fhir.example.org/R4\n' },
        'oauthIssuersTest',
      );
      assert.ok(messages.some((message) => message.includes('ftp://fhir.example.org/R4')), JSON.stringify(messages));
      assertRefused({ oauthIssuersTest: 'fhir.example.org/R4' }, 'oauthIssuersTest', /absolute URL/);
      assertRefused({ oauthIssuersTest: 'https://u:p@fhir.example.org/R4' }, 'oauthIssuersTest', /credentials/);
    });

    test('the issuers textarea becomes a trimmed array without trailing slashes or blank lines', () => {
      const data = assertAccepted({
        oauthIssuersTest: '  https://fhir.test.example.org/api/FHIR/R4/  \r\n\r\n\thttps://b.example.org//\n',
        oauthIssuersProduction: '',
      });
      assert.deepEqual(data.oauthIssuersTest, ['https://fhir.test.example.org/api/FHIR/R4', 'https://b.example.org']);
      assert.deepEqual(data.oauthIssuersProduction, []);
    });
  });

  describe('other fields', () => {
    test('time zone America/Chicago and UTC are accepted', () => {
      assertAccepted({ epicTimeZone: 'America/Chicago' });
      assertAccepted({ epicTimeZone: 'UTC' });
    });

    test('time zone Mars/Base is refused', () => {
      assertRefused({ epicTimeZone: 'Mars/Base' }, 'epicTimeZone', /IANA time zone/);
    });

    test('an empty time zone is refused', () => {
      assertRefused({ epicTimeZone: '' }, 'epicTimeZone', /IANA time zone/);
    });

    test('an invalid default host email is refused', () => {
      assertRefused({ defaultHostEmail: 'not-an-email' }, 'defaultHostEmail', /valid email/);
      assertRefused({ defaultHostEmail: 'host@' }, 'defaultHostEmail', /valid email/);
    });

    test('an empty default host email is refused', () => {
      assertRefused({ defaultHostEmail: '  ' }, 'defaultHostEmail', /Enter the default host email/);
    });

    test('the default host email is trimmed', () => {
      assert.equal(assertAccepted({ defaultHostEmail: '  host@example.org ' }).defaultHostEmail, 'host@example.org');
    });

    test('a provider user type other than Basic or Licensed is refused', () => {
      assertAccepted({ providerUserType: 'Basic' });
      assertRefused({ providerUserType: 'Admin' as 'Basic' }, 'providerUserType', /Basic or Licensed/);
    });

    test('an unknown encryption algorithm, environment, admittance policy or auth type is refused', () => {
      assertRefused({ encryptionAlgorithm: 'AES-192-CBC' as 'AES-128-CBC' }, 'encryptionAlgorithm');
      assertRefused({ epicEnvironment: 'Staging' as 'Test' }, 'epicEnvironment');
      assertRefused({ admittancePolicy: 'never' as 'manual' }, 'admittancePolicy');
      assertRefused({ authType: 'digest' as 'none' }, 'authType');
    });

    test('the vendor name is required, at most 100 characters, without control characters', () => {
      assertRefused({ vendorName: ' ' }, 'vendorName', /Enter the vendor name/);
      assertAccepted({ vendorName: 'v'.repeat(100) });
      assertRefused({ vendorName: 'v'.repeat(101) }, 'vendorName', /At most 100/);
      assertRefused({ vendorName: 'Example\u0007Health' }, 'vendorName', /control characters/);
    });

    test('the Epic client ID refuses spaces and invisible characters', () => {
      assertAccepted({ epicClientId: 'a1b2-c3d4_e5' });
      assertRefused({ epicClientId: 'a1b2 c3d4' }, 'epicClientId', /visible characters/);
      assertRefused({ epicClientId: 'a1b2\u00a0c3d4' }, 'epicClientId', /visible characters/);
    });

    test('every secret may stay empty when all are stored', () => {
      assertAccepted(
        {
          encryptionSecret: '',
          authType: 'basic',
          authName: 'emp$televisit',
          authPassword: '',
        },
        ALL_STORED,
      );
    });
  });
});

describe('logoFileSchema', () => {
  test('a file of exactly 2 MB is accepted', () => {
    assert.equal(LOGO_MAX_BYTES, 2 * 1024 * 1024);
    assert.ok(logoFileSchema.safeParse(new Blob([new Uint8Array(2 * 1024 * 1024)])).success);
  });

  test('a file of 2 MB + 1 byte is refused', () => {
    const result = logoFileSchema.safeParse(new Blob([new Uint8Array(2 * 1024 * 1024 + 1)]));
    assert.equal(result.success, false);
    assert.match(result.error!.issues[0]!.message, /at most 2 MB/);
  });

  test('an empty file is refused', () => {
    const result = logoFileSchema.safeParse(new Blob([]));
    assert.equal(result.success, false);
    assert.match(result.error!.issues[0]!.message, /empty/);
  });

  test('something that is not a file is refused', () => {
    const result = logoFileSchema.safeParse('logo.png');
    assert.equal(result.success, false);
    assert.match(result.error!.issues[0]!.message, /Choose a PNG or JPEG file/);
  });
});

describe('what the server knows and the form cannot', () => {
  const oauth = { authType: 'oauth' as const, oauthClientIdTest: 'client-1', oauthIssuersTest: 'https://fhir.example.org/api/FHIR/R4' };

  test('OAuth is refused until NEXTAUTH_URL gives this server a public address for the redirect URI', () => {
    const refused = parse(oauth, NOTHING_STORED, false);
    assert.equal(refused.success, false);
    assert.match(refused.error!.issues.find((issue) => issue.path[0] === 'authType')!.message, /NEXTAUTH_URL/);
    assert.equal(parse(oauth, NOTHING_STORED, true).success, true);
    // Other authorization types need no public address.
    assert.equal(parse({ authType: 'none' }, NOTHING_STORED, false).success, true);
  });

  test('the client secret goes by HTTP Basic unless the integration chooses the body', () => {
    assert.equal(parse({ ...oauth }).data?.oauthClientAuth, 'client_secret_basic');
    assert.equal(parse({ ...oauth, oauthClientAuth: 'client_secret_post' }).data?.oauthClientAuth, 'client_secret_post');
    assertRefused({ oauthClientAuth: 'private_key_jwt' as never }, 'oauthClientAuth');
  });

  test('a short AES-128 secret is accepted with a warning, a long one without', () => {
    assertAccepted({ encryptionAlgorithm: 'AES-128-CBC', encryptionSecret: 'abc' });
    assert.match(encryptionSecretWarning('AES-128-CBC', 'abc') ?? '', /only 3 characters/);
    assert.equal(encryptionSecretWarning('AES-128-CBC', 'a sixteen chars!'), null);
    assert.equal(encryptionSecretWarning('AES-256-CBC', SECRET_256), null);
    // Keeping the stored secret (empty field) says nothing about it.
    assert.equal(encryptionSecretWarning('AES-128-CBC', ''), null);
  });
});
