import { describe, expect, it } from 'vitest';
import { AppError, appErrorFrom, errorPayload } from './app-error.ts';

describe('errors crossing a process or thread', () => {
  it('come back as the same AppError, and as INTERNAL when the code or the error is unknown', () => {
    const sent = errorPayload(new AppError('INVALID_INPUT', 'No such column.'));
    expect(sent).toEqual({ code: 'INVALID_INPUT', message: 'No such column.' });
    expect(appErrorFrom(sent)).toMatchObject({ code: 'INVALID_INPUT', message: 'No such column.' });
    expect(errorPayload(new Error('disk full\n\ndetails'))).toEqual({
      code: 'INTERNAL',
      message: 'disk full',
    });
    expect(appErrorFrom({ code: 'FROM_A_NEWER_SERVER', message: 'x' }).code).toBe('INTERNAL');
    expect(appErrorFrom({ message: 'y' }).code).toBe('INTERNAL');
  });
});
