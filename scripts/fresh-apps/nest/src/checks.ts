// The README's handler provider (packages/nestjs/README.md), as pasted.
import { Injectable, Logger } from '@nestjs/common';
import type { PassfortEvent, WebhookContext } from '@passfort-webhooks/core';
import { OnPassfortEvent } from '@passfort-webhooks/nestjs';

@Injectable()
export class Checks {
  readonly #log = new Logger(Checks.name);

  @OnPassfortEvent('CHECK_COMPLETED')
  async onCheck(event: PassfortEvent<'CHECK_COMPLETED'>, ctx: WebhookContext) {
    const { check, profile_id } = event.data;
    this.#log.log(`${profile_id}: ${check.check_type} ${check.decision} (attempt ${ctx.attempt})`);
  }
}
