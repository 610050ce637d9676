import type { CollectedData, PassfortEventData, PassfortEventName } from '@passfort-webhooks/core';

let counter = 0;
const next = () => ++counter;

/** A person making a change in the Passfort portal. */
export const portalUser = { email: 'analyst@example.com', id: 'user-7f3a', name: 'Alex Analyst' };

/** A realistic individual's collected_data, varied by `n`. */
export function individualCollectedData(n = next()): CollectedData {
  return {
    entity_type: 'INDIVIDUAL',
    customer_ref: `cust-${n}`,
    personal_details: {
      name: { title: 'Ms', given_names: ['Ada'], family_name: `Lovelace-${n}` },
      dob: '1985-12-10',
      nationality: 'GBR',
      gender: 'F',
    },
    contact_details: { email: `ada.${n}@example.com`, phone_number: '+44 20 7946 0000' },
    address_history: [
      {
        address: {
          type: 'STRUCTURED',
          country: 'GBR',
          postal_code: 'SW1Y 4LE',
          locality: 'London',
          route: 'St James Square',
          street_number: String(n % 90),
        },
        start_date: '2019-03',
      },
    ],
    documents: [{ id: `doc-${n}`, category: 'PROOF_OF_IDENTITY', document_type: 'PASSPORT' }],
  };
}

type Factory<E extends PassfortEventName> = (
  overrides?: Partial<PassfortEventData<E>>,
) => PassfortEventData<E>;

const common = () => {
  const n = next();
  return {
    profile_id: `profile-${n}`,
    customer_ref: `cust-${n}`,
    apikey: { name: 'backend', expiry: '2027-06-30T00:00:00.000000' },
    user: null,
  };
};

const collectedDataChange = () => {
  const before = individualCollectedData();
  const after = structuredClone(before);
  (after['contact_details'] as { email: string }).email = `changed.${next()}@example.com`;
  return { ...common(), old_data: before, new_data: after, user: portalUser };
};

/**
 * Realistic `data` for every event Passfort documents, current and deprecated: the shapes
 * of Passfort's samples and public payloads where there are some (PRODUCT_STATUS_CHANGED with
 * `apikey` and a portal `user`, CHECK_COMPLETED with its `check` object, collected-data events
 * with whole snapshots, MANUAL_ACTION_REQUIRED with `actions`). Keys of events Passfort does
 * not document are invented conservatively; pass overrides for yours.
 *
 * @example emulator.emit('PRODUCT_STATUS_CHANGED', eventFactories.PRODUCT_STATUS_CHANGED({ new_status: 'REJECTED' }))
 */
export const eventFactories: { [E in PassfortEventName]: Factory<E> } = {
  PRODUCT_STATUS_CHANGED: (o) => ({
    ...common(),
    application_id: `app-${next()}`,
    new_status: 'APPROVED',
    product: { alias: 'IDENTITY_CHECK', id: 'prod-idv', name: 'Identity verification' },
    user: portalUser,
    ...o,
  }),
  TASK_CREATED: (o) => ({
    ...common(),
    task_id: `task-${next()}`,
    task_type: 'VERIFY_IDENTITY',
    ...o,
  }),
  // As a public consumer's payload shows it: the check as an object, no apikey, no user.
  CHECK_COMPLETED: (o) => {
    const { profile_id, customer_ref } = common();
    return {
      profile_id,
      customer_ref,
      check: {
        id: crypto.randomUUID(),
        check_type: 'IDENTITY_CHECK',
        decision: 'PASS',
        result: '2+2',
        variant: { alias: 'ELECTRONIC_ID', id: 'ekyc-2plus2', name: '2+2 electronic ID' },
      },
      ...o,
    };
  },
  PRODUCT_BADGE_CHANGED: (o) => ({
    ...common(),
    application_id: `app-${next()}`,
    new_badge: 'READY_FOR_DECISION',
    ...o,
  }),
  RISK_LEVEL_CHANGED: (o) => ({
    ...common(),
    application_id: `app-${next()}`,
    new_risk_level: 'MEDIUM',
    ...o,
  }),
  RISK_SCORE_CHANGED: (o) => ({
    ...common(),
    application_id: `app-${next()}`,
    new_risk_score: 42,
    ...o,
  }),
  TASK_STATE_CHANGED: (o) => ({
    ...common(),
    task_id: `task-${next()}`,
    new_state: 'COMPLETED_PASS',
    ...o,
  }),
  COLLECTED_DATA_CHANGED: (o) => ({ ...collectedDataChange(), ...o }),
  FORM_STATE_CHANGED: (o) => ({
    ...common(),
    form_id: `form-${next()}`,
    new_state: 'SUBMITTED',
    ...o,
  }),
  MANUAL_ACTION_REQUIRED: (o) => ({
    ...common(),
    actions: [
      {
        action_type: 'COMPLETE_TASK',
        due: '2026-12-31',
        applications: [
          {
            id: `app-${next()}`,
            status: 'IN_REVIEW',
            product: { alias: 'KYC', id: 'prod-kyc', name: 'KYC' },
          },
        ],
        task: {
          id: `task-${next()}`,
          state: 'INCOMPLETE',
          type: 'VERIFY_IDENTITY',
          variant: { alias: 'MANUAL', id: 'var-manual', name: 'Manual review' },
        },
      },
    ],
    ...o,
  }),
  CUSTOMER_REQUEST_CHANGED: (o) => ({
    ...common(),
    request_id: `req-${next()}`,
    new_state: 'COMPLETED',
    ...o,
  }),
  EVENTS_CREATED: (o) => ({
    ...common(),
    events: [{ id: `evt-${next()}`, event_type: 'PEP_FLAG' }],
    ...o,
  }),
  EVENTS_UPDATED: (o) => ({
    ...common(),
    events: [{ id: `evt-${next()}`, event_type: 'SANCTION_FLAG' }],
    ...o,
  }),
  COLLECTED_DATA_UPDATED: (o) => ({ ...collectedDataChange(), ...o }),
  // Profile statuses, not product ones: NORMAL, SUSPENDED, BANNED (../shared/PASSFORT.md).
  PROFILE_STATUS_CHANGED: (o) => ({ ...common(), new_status: 'NORMAL', ...o }),
  TASK_IS_COMPLETE_CHANGED: (o) => ({
    ...common(),
    task_id: `task-${next()}`,
    is_complete: true,
    ...o,
  }),
  COLLECTION_STEPS_COMPLETED: (o) => ({ ...common(), application_id: `app-${next()}`, ...o }),
};
