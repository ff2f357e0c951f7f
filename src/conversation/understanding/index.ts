// Reading a lead's messages without a model: pure functions, pt-BR / en / es.
export { readAmount, readAmountBound, type AmountReading, type Bound } from './amount.js'
export { readChoice, type ChoiceOptions, type ChoiceSpec } from './choice.js'
export { normalizePhone, readEmail, readPhone } from './contact.js'
export { fitsField } from './fits.js'
export { isGrounded, type GroundingOptions } from './grounding.js'
export { readIntroduction, type Introduction } from './introduction.js'
export { readNeed } from './need.js'
export { fold, titleCase } from './text.js'
export { readTimelineBound, readTimelineMonths, type TimelineReading } from './timeline.js'
export { isTimeOrMoney } from './time-or-money.js'
export {
  deniesCompany, isAcceptableValue, isDenial, isFiller, isGreeting, isInstruction, isNameLike, isQuestion, isRefusal,
} from './utterance.js'
