// Locales for message templates: checking a tag, and choosing a catalogue's locale for a request.
// Pure functions over `Intl`, no Effect.

/** The BCP 47 subset templates use: language, optional script, optional region. No variants. */
const TAG_PATTERN = /^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?$/

/**
 * The canonical form of a locale tag (`"zh-cn"` → `"zh-CN"`, `"EN"` → `"en"`), or `undefined`
 * when `tag` is not a string of the form language[-Script][-REGION] (`en`, `zh-CN`,
 * `zh-Hant-HK`, `es-419`).
 */
export const canonicalLocale = (tag: unknown): string | undefined => {
  if (typeof tag !== "string" || tag.length > 16 || !TAG_PATTERN.test(tag)) return undefined
  try {
    return Intl.getCanonicalLocales(tag)[0]
  } catch {
    return undefined
  }
}

/** Whether the runtime's `Intl` has data for `locale` (so money and dates format in it). */
export const isKnownLocale = (locale: string): boolean => {
  try {
    return (
      Intl.NumberFormat.supportedLocalesOf([locale]).length > 0 &&
      Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0
    )
  } catch {
    return false
  }
}

interface Likely {
  readonly full: string
  readonly language: string
  readonly script: string
}

/** The likely-subtags expansion of a canonical tag: `zh` → `zh-Hans-CN`, `zh-HK` → `zh-Hant-HK`. */
const likely = (locale: string): Likely => {
  try {
    const l = new Intl.Locale(locale).maximize()
    return { full: l.toString(), language: l.language, script: l.script ?? "" }
  } catch {
    const language = locale.split("-")[0] ?? locale
    return { full: locale, language, script: "" }
  }
}

/** The language subtag of a canonical tag. */
export const languageOf = (locale: string): string => locale.split("-")[0] ?? locale

/**
 * Chooses which of `available` (canonical tags, in catalogue order) serves `requested`
 * (canonical), in this order:
 *
 * 1. the same tag;
 * 2. the same tag once expanded by likely subtags (`zh` and `zh-Hans` are `zh-CN`, `en-US` is `en`);
 * 3. the first with the same language and script (`zh-SG` → `zh-CN`, `en-GB` → `en`); a
 *    different script is never used (`zh-HK` and `zh-TW`, Traditional, do not get `zh-CN`,
 *    Simplified);
 * 4. `fallback` (the catalogue's default locale) when it is available;
 *
 * or `undefined`.
 */
export const chooseLocale = (
  requested: string,
  available: ReadonlyArray<string>,
  fallback: string
): string | undefined => {
  if (available.includes(requested)) return requested
  const want = likely(requested)
  const expanded = available.map((a) => ({ tag: a, l: likely(a) }))
  const same = expanded.find((a) => a.l.full === want.full)
  if (same !== undefined) return same.tag
  const sameScript = expanded.find((a) => a.l.language === want.language && a.l.script === want.script)
  if (sameScript !== undefined) return sameScript.tag
  return available.includes(fallback) ? fallback : undefined
}

/**
 * The locale numbers, money and dates are formatted in: the requested one when it has the
 * template's language (an `en-GB` reader of the `en` template sees "15 March 2025"), the
 * template's own otherwise (a `zh-HK` reader served the `en` template sees English throughout).
 */
export const formattingLocale = (requested: string, used: string): string =>
  languageOf(requested) === languageOf(used) && isKnownLocale(requested) ? requested : used
