import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce } from './debounce';

describe('debounce', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once after a burst', () => {
    const action = vi.fn();
    const debounced = debounce(action, 200);

    debounced();
    vi.advanceTimersByTime(150);
    debounced();
    vi.advanceTimersByTime(150);
    debounced();
    expect(action).not.toHaveBeenCalled();

    vi.advanceTimersByTime(200);
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('runs again for a later call', () => {
    const action = vi.fn();
    const debounced = debounce(action, 200);

    debounced();
    vi.advanceTimersByTime(200);
    debounced();
    vi.advanceTimersByTime(200);
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('drops a pending run on cancel', () => {
    const action = vi.fn();
    const debounced = debounce(action, 200);

    debounced();
    debounced.cancel();
    vi.advanceTimersByTime(1000);
    expect(action).not.toHaveBeenCalled();
  });
});
