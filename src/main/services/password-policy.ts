import { ZxcvbnFactory, type TranslationKeys } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * R34's password policy for staff accounts: at least 12 characters, not blank, and hard enough to
 * guess by zxcvbn's estimate (score 3 of 4: over 10^8 guesses) against the common-password and
 * keyboard-pattern lists of `@zxcvbn-ts/language-common`, the person's own name and email, and the
 * product's name. A refusal says why in zxcvbn's words (e.g. "This is one of the most common
 * passwords.") with its suggestion.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;
export const MIN_PASSWORD_SCORE = 3;

/** zxcvbn's feedback in plain English (the package gives keys only). */
const TRANSLATIONS: TranslationKeys = {
  warnings: {
    straightRow: 'Straight rows of keys on the keyboard are easy to guess.',
    keyPattern: 'Short keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated patterns like "abcabcabc" are easy to guess.',
    sequences: 'Common sequences like "abc" or "1234" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is one of the ten most common passwords.',
    topHundred: 'This is one of the hundred most common passwords.',
    common: 'This is one of the most common passwords.',
    similarToCommon: 'This is very similar to one of the most common passwords.',
    wordByItself: 'A single word is easy to guess.',
    namesByThemselves: 'Names and surnames on their own are easy to guess.',
    commonNames: 'Common names and surnames are easy to guess.',
    userInputs: 'It contains your name, your email address or the name of this product.',
    pwned: 'This password appeared in a data breach.',
  },
  suggestions: {
    l33t: "Predictable substitutions like '@' for 'a' do not help.",
    reverseWords: 'Common words spelled backwards do not help.',
    allUppercase: 'Capitalize some, but not all letters.',
    capitalization: 'Capitalize more than the first letter.',
    dates: 'Avoid dates and years that are associated with you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that are associated with you.',
    sequences: 'Avoid common sequences.',
    repeated: 'Avoid repeated words and characters.',
    longerKeyboardPattern: 'Use longer keyboard patterns and change direction several times.',
    anotherWord: 'Add a few more uncommon words.',
    useWords: 'Use several words, but avoid common phrases.',
    noNeed: 'Several uncommon words make a strong password; symbols, digits and capitals are not required.',
    pwned: 'If you use this password elsewhere, change it there too.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

/** Built on first use (about 50 ms for the dictionaries), so a start never pays for it. */
let estimator: ZxcvbnFactory | null = null;
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...dictionary },
    graphs: adjacencyGraphs,
    translations: TRANSLATIONS,
    useLevenshteinDistance: true,
  });
  return estimator;
}

/** Characters as a person counts them: grapheme clusters of the NFKC form the hash uses. */
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const lengthOf = (password: string): number => Array.from(graphemes.segment(password.normalize('NFKC'))).length;

/**
 * Why `password` may not be used as a new staff password, or null when it may. `personal` are the
 * account's own words (email, its local part, name), which make a password easy to guess for anyone
 * who knows the person.
 */
export function passwordProblem(password: string, personal: readonly string[] = []): string | null {
  if (password.trim().length === 0) return 'The password is blank; choose one of at least 12 characters';
  const length = lengthOf(password);
  if (length < MIN_PASSWORD_LENGTH)
    return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long (this one has ${length})`;
  if (length > MAX_PASSWORD_LENGTH) return `The password can be at most ${MAX_PASSWORD_LENGTH} characters long`;
  const words = personal.flatMap((word) => {
    const lower = word.trim().toLowerCase();
    const local = lower.split('@')[0] ?? '';
    return [lower, local, ...lower.split(/[\s.@_-]+/)].filter((part) => part.length >= 3);
  });
  const result = zxcvbn().check(password.normalize('NFKC'), [...new Set([...words, 'linguaflex'])]);
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const why = result.feedback.warning ?? 'It would be guessed too quickly.';
  const how = result.feedback.suggestions.length > 0 ? ` ${result.feedback.suggestions.join(' ')}` : '';
  return `The password is too easy to guess: ${why}${how}`;
}
