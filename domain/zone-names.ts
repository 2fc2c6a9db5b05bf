// Canonical IANA names for the zones browsers report under old names. Chromium and Node answer with
// ICU's (CLDR's) identifiers, which keep names the tz database has since replaced ("Asia/Calcutta"
// for Asia/Kolkata, "Europe/Kiev" for Europe/Kyiv), and with several spellings of UTC. A visitor
// should see the name they know, and one zone should have one name in cookies, links and mails.
// Pure table, no Temporal: the browser bundle uses it too.

const UTC_ALIASES = ["Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "UCT", "Universal", "Zulu"];

/** Old name → the tz database's current one (its `backward` file), for names ICU still reports. */
const RENAMED: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Dacca": "Asia/Dhaka",
  "Asia/Thimbu": "Asia/Thimphu",
  "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
  "Asia/Macao": "Asia/Macau",
  "Asia/Ujung_Pandang": "Asia/Makassar",
  "Europe/Kiev": "Europe/Kyiv",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "America/Godthab": "America/Nuuk",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Mendoza": "America/Argentina/Mendoza",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Coral_Harbour": "America/Atikokan",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Johnston": "Pacific/Honolulu",
  "Africa/Asmera": "Africa/Asmara",
  ...Object.fromEntries(UTC_ALIASES.map((name) => [name, "UTC"])),
};

/**
 * The current name of `zone` when it is an old name or a spelling of UTC, else `zone` unchanged (so
 * unknown text still fails validation where it is checked). Case as given is kept for other names.
 */
export function canonicalZoneName(zone: string): string {
  return RENAMED[zone] ?? zone;
}
