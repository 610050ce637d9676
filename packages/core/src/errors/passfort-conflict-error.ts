import { PassfortApiError } from './passfort-api-error.js';

/** `updateCollectedData` met a 412 on every attempt: someone else kept changing the profile. */
export class PassfortConflictError extends PassfortApiError {
  static override readonly codes = ['API_CONFLICT'] as const;
  override readonly name = 'PassfortConflictError';
  readonly attempts: number;
  constructor(profileId: string, attempts: number) {
    super(
      'API_CONFLICT',
      `collected_data of profile ${profileId} kept changing: gave up after ${attempts} attempts`,
      { httpStatus: 412 },
    );
    this.attempts = attempts;
  }
}
