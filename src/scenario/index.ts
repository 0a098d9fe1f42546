/** Scenario files: parse and check them, run them, summarise the result. */
export { loadScenarioFile, parseScenario, type Scenario, type Step, type Expectations } from './format';
export { runScenario, summaryLine, type ScenarioResult, type StepResult, type RunningScenario } from './runner';
