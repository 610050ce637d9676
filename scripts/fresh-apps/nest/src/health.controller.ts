import { Controller, Get, Header } from '@nestjs/common';

@Controller('health')
export class HealthController {
  @Get()
  @Header('content-type', 'text/plain')
  health(): string {
    return 'ok';
  }
}
