// The cookie that remembers the visitor's time zone: read by the server to render times in that zone
// from the first byte, written by the zone picker (through `?tz=`) and, when absent, by the root's
// first script from the browser's own zone. Not HttpOnly: the script must see whether it is set.
export const ZONE_COOKIE = "eb_tz";

export const ZONE_COOKIE_MAX_AGE_SECONDS = 60 * 60 * 24 * 365;
