import { Controller, Get, Param } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';

@Controller('items')
export class ItemsController {
  @Get(':id')
  async find(@Param('id') id: string) {
    const prisma = new PrismaClient(); // expect: client-per-request
    return prisma.item.findUnique({ where: { id } });
  }
}
