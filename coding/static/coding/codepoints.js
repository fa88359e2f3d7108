// Offsets into transcripts are UNICODE CODE POINTS into the approved version's text (its segments joined by "\n"),
// because the server (Python str) counts code points. JavaScript strings count UTF-16 code units instead: an emoji
// such as "🙂" is ONE code point but TWO units, so "🙂".length === 2. Devanagari (Hindi, with combining vowel signs
// like "ि") and Arabic are one unit per code point, but one emoji before a span would shift every later offset.
// So transcript text is never measured with .length or cut with .slice on raw strings: every conversion goes
// through Array.from(), which iterates by code point.
// Keyboard moves step by grapheme (what a reader sees as one letter: "कि" is two code points) with Intl.Segmenter,
// so a selection never splits a consonant from its vowel sign; the offsets sent are still code points.
(function (global) {
  "use strict";
  var graphemes = global.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  var words = global.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "word" }) : null;

  function cpLength(s) { return Array.from(s).length; }
  // UTF-16 index -> code points before it.
  function unitsToCp(s, units) { return Array.from(s.slice(0, units)).length; }
  // Code points -> the UTF-16 index where that many code points end.
  function cpToUnits(s, cp) { return Array.from(s).slice(0, cp).join("").length; }
  function cpSlice(s, start, end) { return Array.from(s).slice(start, end).join(""); }

  // Code-point positions a keyboard move may land on in `text`. By grapheme: every grapheme boundary. By word: a
  // forward move lands at the end of the next word and a backward move at the start of the previous one.
  function stops(text, byWord, forward) {
    var result = [0];
    var segmenter = byWord ? words : graphemes;
    if (segmenter) {
      Array.from(segmenter.segment(text)).forEach(function (part) {
        if (!byWord) {
          result.push(unitsToCp(text, part.index));
        } else if (part.isWordLike) {
          result.push(unitsToCp(text, forward ? part.index + part.segment.length : part.index));
        }
      });
    } else {
      for (var i = 1; i <= cpLength(text); i += 1) { result.push(i); }
    }
    result.push(cpLength(text));
    return Array.from(new Set(result)).sort(function (a, b) { return a - b; });
  }

  global.CodePoints = {
    cpLength: cpLength, unitsToCp: unitsToCp, cpToUnits: cpToUnits, cpSlice: cpSlice, stops: stops
  };
}(window));
