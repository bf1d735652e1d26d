import type { ESLint, Rule } from 'eslint'

declare const plugin: ESLint.Plugin & { rules: { 'no-server-value-in-render': Rule.RuleModule } }
export default plugin
