// ARM access of the Functions app: a custom role defined in (and assignable only to) the ACI resource group,
// with container-group actions only. The bridge additionally refuses to touch a group without its tags
// (DESIGN "Ownership by tags"); this role is the hard boundary, the tags the soft one.
targetScope = 'resourceGroup'

@description('Principal id of the Functions app identity.')
param appPrincipalId string

resource aciRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'aci-bridge-container-groups')
  properties: {
    // Role names are unique per tenant: the subscription keeps two environments of the same name apart
    // (RoleDefinitionWithSameNameExists otherwise).
    roleName: 'aci-bridge container groups (${subscription().subscriptionId}/${resourceGroup().name})'
    description: 'Create, read, update and delete ACI container groups in this resource group (aci-bridge).'
    type: 'customRole'
    permissions: [
      {
        actions: [
          'Microsoft.ContainerInstance/containerGroups/*'
        ]
        notActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource aciAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, appPrincipalId, aciRole.name)
  properties: {
    // Custom roles live at subscription level whatever the deployment scope.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aciRole.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
  dependsOn: [aciRole]
}

@description('Resource id of the custom role definition.')
output roleDefinitionId string = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', aciRole.name)
