import { HopbusError } from '@hopbus/core';
import { errorMessage } from '../src/errorMessage.js';

describe('errorMessage', () => {
  it('keeps a HopbusError message as it is, on one line', () => {
    expect(errorMessage(new HopbusError('locked', 'The dir is in use by process 42.\nStop it.'))).toBe('The dir is in use by process 42. Stop it.');
  });

  it('keeps a system error message (code and path)', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/x/.lock'"), { code: 'EACCES' });
    expect(errorMessage(error)).toBe("EACCES: permission denied, open '/x/.lock'");
  });

  it('summarizes anything else with a way to get the stack', () => {
    expect(errorMessage(new RangeError('bad'))).toBe('unexpected RangeError: bad (set HOPBUS_DEBUG=1 for the stack)');
    expect(errorMessage('oops')).toBe('unexpected error: oops (set HOPBUS_DEBUG=1 for the stack)');
  });
});
