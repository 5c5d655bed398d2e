import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secretsVoidedBy, type SecretDestinations } from '../lib/settings/secret-destinations.ts';

const saved: SecretDestinations = {
  connectionStatusUrl: 'https://epic.hospital.example/api/status',
  deviceTestUrl: null,
  oauthIssuersTest: ['https://fhir.hospital.example/api/FHIR/R4'],
  oauthIssuersProduction: [],
};

test('a new path on a saved host keeps every secret', () => {
  assert.deepEqual(secretsVoidedBy(saved, { ...saved, connectionStatusUrl: 'https://epic.hospital.example/other', deviceTestUrl: 'https://EPIC.hospital.example/device' }), []);
  assert.deepEqual(secretsVoidedBy(saved, { ...saved, oauthIssuersProduction: ['https://fhir.hospital.example/prod/R4'] }), []);
  assert.deepEqual(secretsVoidedBy(saved, { ...saved, connectionStatusUrl: null }), []);
});

test('another host, port or scheme for an endpoint voids the password; a new issuer host voids the client secret', () => {
  for (const url of ['https://attacker.example/status', 'https://epic.hospital.example:8443/api/status', 'http://epic.hospital.example/api/status']) {
    assert.deepEqual(secretsVoidedBy(saved, { ...saved, connectionStatusUrl: url }), ['authPassword'], url);
  }
  assert.deepEqual(secretsVoidedBy(saved, { ...saved, deviceTestUrl: 'https://elsewhere.example/device' }), ['authPassword']);
  assert.deepEqual(secretsVoidedBy(saved, { ...saved, oauthIssuersTest: [...saved.oauthIssuersTest, 'https://attacker.example/fhir'] }), ['oauthClientSecret']);
});
