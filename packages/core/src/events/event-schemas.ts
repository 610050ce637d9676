import { z } from 'zod';
import { collectedDataSchema } from './collected-data-schema.js';
import {
  checkDecisionSchema,
  checkTypeSchema,
  commonDataShape,
  productStatusSchema,
  taskSchema,
  variantSchema,
} from './common-schemas.js';

// Events whose payload Passfort does not document carry the common keys and stay open:
// no key is guessed, since a guessed key of another JSON type would set a real webhook aside.
const undocumented = z.looseObject(commonDataShape);

/**
 * Payload schemas whose keys Passfort does not document (only the common ones are known):
 * other keys there are no news, so the drift report does not list them.
 */
export const keysUndocumented: ReadonlySet<z.ZodType> = new Set([undocumented]);

// Whole snapshots [doc]; `old_data` may be null or absent (a profile's first data).
const collectedDataChange = z.looseObject({
  ...commonDataShape,
  profile_id: z.string(),
  old_data: collectedDataSchema.nullish(),
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
    product: variantSchema.nullish(),
  }),
  TASK_CREATED: undocumented,
  // From a public consumer's payload template: the check is an object, with no top-level
  // check_id. Its results are at GET /profiles/{profile_id}/checks/{check.id}.
  CHECK_COMPLETED: z.looseObject({
    ...commonDataShape,
    check: z.looseObject({
      id: z.string(),
      check_type: checkTypeSchema.optional(),
      decision: checkDecisionSchema.optional(),
      result: z.string().nullish(),
      variant: variantSchema.nullish(),
    }),
  }),
  PRODUCT_BADGE_CHANGED: undocumented,
  RISK_LEVEL_CHANGED: undocumented,
  RISK_SCORE_CHANGED: undocumented,
  TASK_STATE_CHANGED: undocumented,
  COLLECTED_DATA_CHANGED: collectedDataChange,
  FORM_STATE_CHANGED: undocumented,
  // From a public consumer's data model (no sample): every key optional.
  MANUAL_ACTION_REQUIRED: z.looseObject({
    ...commonDataShape,
    actions: z
      .array(
        z.looseObject({
          action_type: z.string().nullish(),
          due: z.string().nullish(),
          applications: z
            .array(
              z.looseObject({
                id: z.string().nullish(),
                status: productStatusSchema.nullish(),
                product: variantSchema.nullish(),
              }),
            )
            .optional(),
          task: taskSchema.nullish(),
        }),
      )
      .optional(),
  }),
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
