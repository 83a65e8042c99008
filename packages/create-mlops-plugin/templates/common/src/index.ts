export { __FACTORY__, __FACTORY__Options } from './plugin.js'
export { __FACTORY__ as default } from './plugin.js'
