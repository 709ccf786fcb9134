// Date and duration strings in the forms nmap prints. Dates are local time (set
// TZ to change it), as nmap's are.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** ms since epoch → "Thu Nov 26 23:22:47 2026" (strftime "%a %b %d %H:%M:%S %Y") */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const clock = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${clock} ${d.getFullYear()}`;
}

/** ms since epoch → "2026-11-26 23:22 UTC" (strftime "%Y-%m-%d %H:%M %Z") */
export function shortStamp(ms: number): string {
  const d = new Date(ms);
  const zone = zoneAbbreviation(d);
  const day = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${day} ${pad2(d.getHours())}:${pad2(d.getMinutes())} ${zone}`.trimEnd();
}

/**
 * The local zone's short name at d, as Intl's en-US "short" gives it ("UTC",
 * "CET", "GMT+1"). UTC is recognised from Date's own string: a process's
 * first Intl.DateTimeFormat loads ICU's zone data (~25 ms), a tenth of a
 * one-port scan. No formatter is kept: TZ may change between calls.
 */
function zoneAbbreviation(d: Date): string {
  if (d.getTimezoneOffset() === 0 && d.toString().endsWith('(Coordinated Universal Time)')) return 'UTC';
  return (
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
      .formatToParts(d)
      .find((part) => part.type === 'timeZoneName')?.value ?? ''
  );
}

/** ms since epoch → ISO 8601 UTC, as in JSON: "2026-11-26T23:22:47.123Z" */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ms since epoch → whole seconds since epoch, as in XML start/time attributes */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** a duration in ms → seconds with two decimals ("1.53"), as in "scanned in 1.53 seconds" */
export function elapsedSeconds(fromMs: number, toMs: number): string {
  return (Math.max(0, toMs - fromMs) / 1000).toFixed(2);
}

/**
 * seconds → two significant digits in fixed notation, as nmap prints latency:
 * 0.000009 → "0.0000090", 0.00012 → "0.00012", 1.534 → "1.5".
 */
export function twoSignificant(seconds: number): string {
  if (!(seconds > 0)) return '0.0';
  const decimals = Math.max(0, 1 - Math.floor(Math.log10(seconds)));
  return seconds.toFixed(Math.min(decimals, 20));
}
