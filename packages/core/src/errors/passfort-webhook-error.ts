import { errorStatus, type PassfortWebhookErrorCode } from './error-status.js';

/** Options shared by every {@link PassfortWebhookError}. */
export interface PassfortWebhookErrorOptions {
  /** The underlying error, kept for logs; never serialised into a response. */
  cause?: unknown;
  /** Position of the offending webhook in the delivered batch. */
  index?: number;
  /** Id of the offending webhook, when it is known. */
  id?: string;
}

/**
 * Base class of every error the library raises. `status` comes from {@link errorStatus};
 * each subclass is named for what happened. Messages never contain a secret or a payload
 * value.
 *
 * @example
 * webhooks.onError(({ error }) => {
 *   if (HandlerError.is(error)) log.error({ cause: error.cause }, error.message);
 * });
 */
export class PassfortWebhookError extends Error {
  /** The codes this class (and its subclasses) carry; matched by {@link is}. */
  static readonly codes: readonly PassfortWebhookErrorCode[] = Object.keys(
    errorStatus,
  ) as PassfortWebhookErrorCode[];
  /**
   * Set where a class shares its codes with another: {@link is} then also requires an
   * error's `name` to be this.
   */
  static readonly exclusiveName: string | undefined = undefined;
  override readonly name: string = 'PassfortWebhookError';
  readonly code: PassfortWebhookErrorCode;
  readonly status: number;
  readonly index: number | undefined;
  readonly id: string | undefined;
  /**
   * The message without its cause's text: what the receiver answers with. A handler's or a
   * driver's error is for your logs (it is in `message` and `cause`), never for the sender.
   */
  readonly summary: string;

  constructor(
    code: PassfortWebhookErrorCode,
    message: string,
    options: PassfortWebhookErrorOptions = {},
    summary = message,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.summary = summary;
    this.code = code;
    this.status = errorStatus[code];
    this.index = options.index;
    this.id = options.id;
  }

  /**
   * True for an error of this class or a subclass, also one thrown by another installed
   * copy of the library: besides `instanceof`, it matches on the error's `code` (and its
   * `status`), the way ky's guards do, so a second copy in `node_modules` still interoperates.
   *
   * @example
   * if (DeadlineExceededError.is(error)) retryLater();
   */
  static is<T extends PassfortWebhookError>(
    this: {
      prototype: T;
      readonly codes: readonly string[];
      readonly exclusiveName: string | undefined;
    },
    error: unknown,
  ): error is T {
    // `this` is the class the guard is called on (`HandlerError.is`), not always this one.
    // biome-ignore lint/complexity/noThisInStatic: the guard is inherited by every subclass
    return isErrorOf(this, error);
  }
}

/** The guard behind every error class's `is`: `instanceof`, or the same code and a status. */
function isErrorOf(
  errorClass: { readonly codes: readonly string[]; readonly exclusiveName: string | undefined },
  error: unknown,
): boolean {
  if (error instanceof (errorClass as unknown as abstract new (...args: never[]) => Error)) {
    return true;
  }
  if (!(error instanceof Error)) return false;
  const { code, status } = error as { code?: unknown; status?: unknown };
  const { codes, exclusiveName } = errorClass;
  return (
    typeof code === 'string' &&
    typeof status === 'number' &&
    codes.includes(code) &&
    (exclusiveName === undefined || error.name === exclusiveName)
  );
}

/**
 * `message: <the cause's own message>`, for the errors whose cause is a handler's or a store
 * driver's error: a log line then says what actually went wrong. Never used where the cause
 * could quote the request (a JSON parser's error quotes the body, secret included).
 */
export function withCauseText(message: string, cause: unknown): string {
  const text = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : '';
  return text === '' ? message : `${message}: ${text}`;
}
