/**
 * Payloads as Passfort sends them, from ../shared/PASSFORT.md's sources: Passfort's help-page
 * sample of PRODUCT_STATUS_CHANGED, and the CHECK_COMPLETED payload template of a public
 * consumer (2022), whose id is a version-1 UUID. Tests check the schemas against these, not
 * against payloads our own emulator makes.
 */
import { SECRET } from './webhook-fixtures.js';

/** Passfort's help-page sample: a status changed by a person in the portal, over an API key. */
export function productStatusChangedSample(id = '33bae6b8-5689-b96b-143c-06e93ab8527e') {
  return {
    id,
    event: 'PRODUCT_STATUS_CHANGED',
    secret: SECRET,
    timestamp: 1568997222,
    data: {
      apikey: { name: 'Production key', expiry: '2020-09-20T16:53:42.419000' },
      application_id: 'c4b6a4f8-6c71-11e9-a03e-acde48001122',
      customer_ref: null,
      new_status: 'APPROVED',
      product: { alias: 'KYC', id: '9a3e8e34-6c71-11e9-a03e-acde48001122', name: 'KYC' },
      profile_id: 'b1d3f6ea-6c71-11e9-a03e-acde48001122',
      user: {
        email: 'analyst@example.com',
        id: 'a2e0c5f4-6c71-11e9-a03e-acde48001122',
        name: 'Ann',
      },
    },
  };
}

/** A public consumer's CHECK_COMPLETED template: the check as an object, no apikey, no user. */
export function checkCompletedSample(id = 'f2b5a0c6-0a1b-11ed-861d-0242ac120002') {
  return {
    id,
    event: 'CHECK_COMPLETED',
    secret: SECRET,
    timestamp: 1658400000,
    data: {
      profile_id: '5a9e7d3c-0a1b-11ed-861d-0242ac120002',
      customer_ref: 'customer-42',
      check: {
        id: '7c1e4a52-0a1b-11ed-861d-0242ac120002',
        check_type: 'IDENTITY_CHECK',
        decision: 'PASS',
        result: '2+2',
        variant: { alias: 'ELECTRONIC_ID', id: 'ekyc-2plus2', name: '2+2 electronic ID' },
      },
    },
  };
}
