// Log Analytics workspace + workspace-based Application Insights. The Functions log every decision as
// `<event.name> {json}` into `traces` (docs/events.md); alerts.bicep queries them. Local (key) ingestion is
// disabled: the app identity publishes telemetry with Monitoring Metrics Publisher.

@description('Region of the monitoring resources.')
param location string

@description('Tags for the monitoring resources.')
param tags object

@description('Log Analytics workspace name.')
param logAnalyticsName string

@description('Application Insights component name.')
param appInsightsName string

@description('Workspace retention in days.')
param retentionInDays int

@description('Principal id of the app identity (gets Monitoring Metrics Publisher on the component).')
param appPrincipalId string

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, appPrincipalId, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Application Insights resource id (scope of the log alert rules).')
output appInsightsId string = appInsights.id

@description('Application Insights name.')
output appInsightsName string = appInsights.name

@description('Connection string (not a secret: it identifies the component; ingestion needs Entra auth).')
output appInsightsConnectionString string = appInsights.properties.ConnectionString
