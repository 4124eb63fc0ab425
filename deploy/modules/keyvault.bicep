// Key Vault (RBAC mode) holding the bridge's kubeconfig. The app reads it through a Key Vault reference
// resolved with its user-assigned identity (keyVaultReferenceIdentity); nothing else is stored here.

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags object

@description('Key Vault name (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Name of the secret holding the kubeconfig.')
param secretName string

@description('Kubeconfig YAML; empty: the secret is set after deployment (az keyvault secret set).')
@secure()
param kubeconfigContent string

@description('Enable purge protection (irreversible).')
param purgeProtection bool

@description('Principal id of the Functions app identity (gets Key Vault Secrets User).')
param appPrincipalId string

@description('Principal id allowed to set the secret (gets Key Vault Secrets Officer); empty: none.')
param operatorPrincipalId string

@description('Principal type of operatorPrincipalId.')
param operatorPrincipalType string

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Purge protection cannot be disabled once on; null leaves it off.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource kubeconfig 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(kubeconfigContent)) {
  parent: vault
  name: secretName
  properties: {
    value: kubeconfigContent
    contentType: 'application/yaml'
  }
}

// Scoped to the vault, which holds only this secret (a secret-scoped assignment would need the secret to exist
// at deployment time, and it is usually set afterwards).
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

@description('Key Vault name.')
output keyVaultName string = vault.name

@description('Versionless secret URI: the Key Vault reference follows rotations (docs/runbook.md).')
output secretUri string = '${vault.properties.vaultUri}secrets/${secretName}/'
