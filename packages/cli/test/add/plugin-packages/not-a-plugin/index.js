// A package whose default export is an ordinary function, not a definePlugin factory.
export default function leftPad(text, width) {
  return String(text).padStart(width)
}
export const version = '0.3.0'
