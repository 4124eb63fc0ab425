// Storage account for the Functions host (AzureWebJobsStorage, deployment package container) and the
// pod-events queue. Identity-based access only, unless the watcher uses a SAS (which needs the account key to sign).

@description('Region of the storage account.')
param location string

@description('Tags for the storage account.')
param tags object

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Queue the watcher sends to and podEvents is triggered by.')
param podEventsQueueName string

@description('Poison queue the host (maxDequeueCount) and the handler (invalid messages) move messages to.')
param poisonQueueName string

@description('Allow shared-key (account key / SAS) access. Only for watcherAuth "sas".')
param allowSharedKeyAccess bool

@description('Principal id of the Functions app identity.')
param appPrincipalId string

@description('Principal id of the watcher identity; empty when the watcher uses a SAS.')
param watcherPrincipalId string

@description('Object id of the operator (user or group) who runs the runbook\'s `az storage message … --auth-mode login` commands; empty for none.')
param operatorPrincipalId string = ''

@description('Principal type of operatorPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
var storageQueueDataMessageSenderRoleId = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // Storage Queue Data Message Sender

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: allowSharedKeyAccess
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource podEventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: podEventsQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: poisonQueueName
}

// Functions host storage (blob leases for the timer singleton, deployment package): Blob Data Owner.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageBlobDataOwnerRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Queue trigger + follow-up sends + moving invalid messages to the poison queue: Queue Data Contributor
// (Reader + Message Processor cannot release a failed message; FACTS).
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageQueueDataContributorRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributorRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The operator peeks, moves and deletes poison messages with their own sign-in (docs/runbook.md).
resource operatorQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(account.id, operatorPrincipalId, storageQueueDataContributorRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributorRoleId)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

// The watcher may only add messages, and only to pod-events.
resource watcherSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(watcherPrincipalId)) {
  name: guid(podEventsQueue.id, watcherPrincipalId, storageQueueDataMessageSenderRoleId)
  scope: podEventsQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSenderRoleId)
    principalId: watcherPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Storage account name.')
output storageAccountName string = account.name

@description('Storage account resource id.')
output storageAccountId string = account.id

@description('Blob service endpoint.')
output blobServiceUri string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint (PodEventsStorage__queueServiceUri, watcher).')
output queueServiceUri string = account.properties.primaryEndpoints.queue


@description('URL of the pod-events queue.')
output podEventsQueueUrl string = '${account.properties.primaryEndpoints.queue}${podEventsQueue.name}'

@description('Deployment container name (the queue resources exist before the app is published).')
output deploymentContainerName string = deploymentContainer.name

@description('Poison queue name.')
output poisonQueueName string = poisonQueue.name
