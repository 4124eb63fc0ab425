// Log alert rules over the Functions' structured log lines (`<event.name> {json}` in `traces`, docs/events.md)
// and the host's own lines. Every event name used here must exist in lib/events (test/deploy/bicep.test.ts).

@description('Region of the alert rules (the Application Insights region).')
param location string

@description('Tags for the alert rules.')
param tags object

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Application Insights resource id the rules query.')
param appInsightsId string

@description('Existing action group id; empty: create one from alertEmail, or notify nobody.')
param actionGroupId string

@description('E-mail for a new action group.')
param alertEmail string

@description('Poison queue name (the host logs "Moving message to queue \'<name>\'").')
param poisonQueueName string

@description('arm.throttled lines per 5 minutes counted as throttled.')
param armThrottleThreshold int

@description('host.json extensions.queues.maxDequeueCount: a message.retry line at this count is the last try before the poison queue.')
param maxDequeueCount int = 5

resource emailGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (empty(actionGroupId) && !empty(alertEmail)) {
  name: '${namePrefix}-oncall'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'acibridge'
    enabled: true
    emailReceivers: [
      {
        name: 'oncall'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroups = !empty(actionGroupId) ? [actionGroupId] : (!empty(alertEmail) ? [emailGroup.id] : [])

// One entry per rule. `threshold`/`operator` apply to the row count of `query` in each `window`;
// `periods` consecutive windows must all breach (sustained conditions).
var rules = [
  {
    name: 'poison-messages'
    displayName: 'aci-bridge: messages moved to ${poisonQueueName}'
    description: 'A pod-events message was invalid (message.invalid) or kept failing until the host moved it to the poison queue (last message.retry, host line "Moving message to queue"). docs/runbook.md#poison-messages'
    severity: 2
    query: 'traces | where message startswith "message.invalid " or (message startswith "message.retry " and toint(parse_json(substring(message, strlen("message.retry "))).dequeueCount) >= ${maxDequeueCount}) or (message has "Moving message to queue" and message has "${poisonQueueName}")'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT5M'
    periods: 1
  }
  {
    name: 'create-failed'
    displayName: 'aci-bridge: container group creates failing'
    description: 'ARM refused or failed container group creates (quota, invalid spec, capacity). docs/runbook.md#aci-quota-reached'
    severity: 2
    query: 'traces | where message startswith "cg.create.failed "'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
    periods: 1
  }
  {
    name: 'heartbeat-failed'
    displayName: 'aci-bridge: node heartbeat failing'
    description: 'The node Lease / Ready condition could not be renewed repeatedly; the node goes NotReady after 40 s without renewal. docs/runbook.md#heartbeat-loss--node-notready'
    severity: 1
    query: 'traces | where message startswith "node.heartbeat.failed "'
    operator: 'GreaterThan'
    threshold: 2
    window: 'PT5M'
    periods: 1
  }
  {
    name: 'heartbeat-late'
    displayName: 'aci-bridge: node heartbeat late'
    description: 'The node Lease was renewed more than 20 s after its previous renewal (node.heartbeat.late); at 40 s the node goes NotReady. docs/runbook.md#late-heartbeat'
    severity: 2
    query: 'traces | where message startswith "node.heartbeat.late "'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
    periods: 1
  }
  {
    name: 'reconcile-stopped'
    displayName: 'aci-bridge: reconcile timer not running'
    description: 'No reconcile invocation in 5 minutes: nothing renews the Lease, the node will be NotReady. docs/runbook.md#heartbeat-loss--node-notready'
    severity: 1
    query: 'requests | where operation_Name == "reconcile"'
    operator: 'LessThan'
    threshold: 1
    window: 'PT5M'
    periods: 1
  }
  {
    name: 'arm-throttled'
    displayName: 'aci-bridge: ARM throttling sustained'
    description: 'ARM answered 429 in three consecutive 5-minute windows. docs/runbook.md#arm-throttling'
    severity: 2
    query: 'traces | where message startswith "arm.throttled "'
    operator: 'GreaterThan'
    threshold: armThrottleThreshold
    window: 'PT5M'
    periods: 3
  }
  {
    name: 'pod-failed'
    displayName: 'aci-bridge: pods marked Failed'
    description: 'The bridge set a pod to phase Failed (source=bridge: invalid or unsupported spec, name conflict, lost group). Pods whose own containers failed in ACI (source=aci) do not fire this. docs/events.md#podfailed'
    severity: 3
    query: 'traces | where message startswith "pod.failed " | extend f = parse_json(substring(message, strlen("pod.failed "))) | where tostring(f.source) == "bridge"'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
    periods: 1
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in rules: {
  name: '${namePrefix}-${rule.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: rule.displayName
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: rule.window
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: rule.operator
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: rule.periods
            minFailingPeriodsToAlert: rule.periods
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}]

@description('Names of the alert rules.')
output ruleNames array = [for rule in rules: '${namePrefix}-${rule.name}']
