// VNet mode: let the app identity place container groups in the delegated ACI subnet, and nothing else on the
// network. Custom role defined in the subnet's resource group (role definitions cannot be scoped to a single
// resource), assigned on the subnet only.

@description('Name of the VNet holding the delegated ACI subnet (in this resource group).')
param vnetName string

@description('Name of the delegated ACI subnet.')
param subnetName string

@description('Principal id of the Functions app identity.')
param appPrincipalId string

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' existing = {
  name: vnetName
}

resource subnet 'Microsoft.Network/virtualNetworks/subnets@2024-01-01' existing = {
  parent: vnet
  name: subnetName
}

resource joinRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'aci-bridge-subnet-join')
  properties: {
    // Unique per tenant, like the container-group role (aci-role.bicep).
    roleName: 'aci-bridge subnet join (${subscription().subscriptionId}/${resourceGroup().name})'
    description: 'Join the delegated ACI subnet: lets aci-bridge create container groups with private IPs.'
    type: 'customRole'
    permissions: [
      {
        actions: [
          'Microsoft.Network/virtualNetworks/subnets/join/action'
        ]
        notActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource joinAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subnet.id, appPrincipalId, joinRole.name)
  scope: subnet
  properties: {
    // Custom roles live at subscription level whatever the deployment scope.
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', joinRole.name)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
  dependsOn: [joinRole]
}
