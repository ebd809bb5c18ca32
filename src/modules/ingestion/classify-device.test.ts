import { describe, expect, it } from 'vitest';
import { classifyDevice } from './classify-device.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const IPAD =
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SMART_TV =
  'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/2.2 Chrome/63.0.3239.84 TV Safari/537.36';

describe('classifyDevice', () => {
  it.each([
    [IPHONE, 'mobile'],
    [IPAD, 'tablet'],
    [WINDOWS_CHROME, 'desktop'],
    [SMART_TV, 'tv'],
  ])('reads the device class from the user agent', (userAgent, device) => {
    expect(classifyDevice({ userAgent })).toBe(device);
  });

  it('takes the SDK’s own device type first, including kiosks and IoT', () => {
    expect(classifyDevice({ device: { type: 'ios' }, userAgent: WINDOWS_CHROME })).toBe('mobile');
    expect(classifyDevice({ device: { type: 'kiosk' } })).toBe('kiosk');
    expect(classifyDevice({ device: { type: 'wearable' } })).toBe('iot');
  });

  it('says nothing when nothing tells', () => {
    expect(classifyDevice({})).toBeNull();
    expect(classifyDevice({ userAgent: 'curl/8.0' })).toBeNull();
    expect(classifyDevice({ device: { type: 'constructor' } })).toBeNull();
  });
});
