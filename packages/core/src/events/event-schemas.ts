import { z } from 'zod';
import { collectedDataSchema } from './collected-data-schema.js';
import { commonDataShape, productStatusSchema } from './common-schemas.js';

// Events whose payload Passfort does not document carry the common keys and stay open.
const undocumented = z.looseObject(commonDataShape);

const collectedDataChange = z.looseObject({
  ...commonDataShape,
  profile_id: z.string(),
  old_data: collectedDataSchema.nullable(),
  new_data: collectedDataSchema,
});

/**
 * The `data` schema of every event Passfort documents, current and deprecated. The single
 * source of the event types: `PassfortEventName` and `PassfortEvent<E>` are inferred from it.
 */
export const eventDataSchemas = {
  PRODUCT_STATUS_CHANGED: z.looseObject({
    ...commonDataShape,
    application_id: z.string(),
    new_status: productStatusSchema,
    product: z.looseObject({
      alias: z.string().nullish(),
      id: z.string().nullish(),
      name: z.string().nullish(),
    }),
  }),
  TASK_CREATED: undocumented,
  CHECK_COMPLETED: z.looseObject({ ...commonDataShape, check_id: z.string().optional() }),
  PRODUCT_BADGE_CHANGED: undocumented,
  RISK_LEVEL_CHANGED: undocumented,
  RISK_SCORE_CHANGED: undocumented,
  TASK_STATE_CHANGED: undocumented,
  COLLECTED_DATA_CHANGED: collectedDataChange,
  FORM_STATE_CHANGED: undocumented,
  MANUAL_ACTION_REQUIRED: undocumented,
  CUSTOMER_REQUEST_CHANGED: undocumented,
  EVENTS_CREATED: undocumented,
  EVENTS_UPDATED: undocumented,
  /** @deprecated Passfort still sends it to older accounts; same shape as COLLECTED_DATA_CHANGED. */
  COLLECTED_DATA_UPDATED: collectedDataChange,
  /** @deprecated Still delivered to older accounts. */
  PROFILE_STATUS_CHANGED: undocumented,
  /** @deprecated Still delivered to older accounts. */
  TASK_IS_COMPLETE_CHANGED: undocumented,
  /** @deprecated Still delivered to older accounts. */
  COLLECTION_STEPS_COMPLETED: undocumented,
} as const;

/** Every event name Passfort documents, current and deprecated. */
export type PassfortEventName = keyof typeof eventDataSchemas;

/** The names of all documented events, in the order of {@link eventDataSchemas}. */
export const passfortEventNames = Object.keys(eventDataSchemas) as PassfortEventName[];

/** True when `name` is a documented Passfort event. */
export function isPassfortEventName(name: string): name is PassfortEventName {
  return Object.hasOwn(eventDataSchemas, name);
}
