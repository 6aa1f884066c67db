/**
 * Span offsets in the two units tools count in: Trove (and JavaScript, and browser selections)
 * count UTF-16 code units; Label Studio counts code points, so an emoji is one there and two here.
 */

/** The UTF-16 offset of code point `index` of `text`; undefined past its end. */
export function codePointToUtf16(text: string, index: number): number | undefined {
  if (!Number.isInteger(index) || index < 0) return undefined;
  let units = 0;
  let points = 0;
  while (points < index) {
    if (units >= text.length) return undefined;
    units += (text.codePointAt(units) ?? 0) > 0xffff ? 2 : 1;
    points++;
  }
  return units <= text.length ? units : undefined;
}

/** The code-point offset of UTF-16 offset `index` of `text` (an offset inside a surrogate pair counts its pair as before it). */
export function utf16ToCodePoint(text: string, index: number): number {
  let points = 0;
  for (let units = 0; units < index && units < text.length; points++) units += (text.codePointAt(units) ?? 0) > 0xffff ? 2 : 1;
  return points;
}
